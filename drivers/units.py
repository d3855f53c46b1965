"""Units shared by every layer (a leaf: it imports nothing from the project).

Speeds are km/h in names and on the wire of most treadmills, accelerations m/s^2; one m/s is
3.6 km/h (3600 s/h over 1000 m/km). Divide a km/h by `KMH_PER_MPS` for m/s; multiply an
m/s^2 by it for km/h gained per second.
"""

KMH_PER_MPS = 3.6

"""The stand-in world: belt + drive physics (belt), the person (person), sensors, fault
injection (faults), all of them together (world), and `sim://` behind the drive contract (drive).
"""

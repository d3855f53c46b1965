"""retrotread user interfaces: the CLI and the operator console."""

# The composition root registers the simulator's `sim://` with drivers.open_drive (drivers/
# does not know sim/). Stopgap until ui/cli.py's main() does it itself: `sim.register()`.
import sim

sim.register()

"""The host of one session, a layer below the rest of ui/ (it imports nothing else from ui/).

plan.py      one plan for `run`, `console` and `check`, and the one `Refused`
host.py      builds the controller and the drive from the plan, runs the loop, dispatches
             injections, feeds the sinks
rest.py      the one at-rest rule
view.py      the read-only per-tick view sinks see
sinks.py     the sink interface, and `Queued` for a sink whose I/O can block
trace.py, summary.py, progress.py   the sinks of `run` (the console adds its session record)
words.py     the words `run` and the console share
"""

# The session host is the composition root of every session (run, the console, later the
# fleet simulator): it tells drivers/, which does not know sim/, how to open `sim://`.
import sim

sim.register()

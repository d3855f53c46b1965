"""The state machine (transitions): states, triggers and their guards.

Trigger names are verbs that cannot clash with model attributes: `transitions` silently
skips binding a trigger whose name the model already has (`stop`, `start`, `reset`, `state`).
Guards are belt and braces: the controller checks the reason first so it can say it.
"""

from __future__ import annotations

from transitions import Machine

IDLE, COUNTDOWN, RUNNING, PAUSED = "idle", "countdown", "running", "paused"
STOPPING, REVERSING, ESTOP, FAULT = "stopping", "reversing", "estop", "fault"

STATES = [IDLE, COUNTDOWN, RUNNING, PAUSED, STOPPING, REVERSING, ESTOP, FAULT]
LATCHED = (ESTOP, FAULT)
UNLATCHED = [IDLE, COUNTDOWN, RUNNING, PAUSED, STOPPING, REVERSING]
#: States in which the belt runs or is about to: interlocks that guard motion watch these.
ACTIVE = (COUNTDOWN, RUNNING, PAUSED, STOPPING, REVERSING)

TRANSITIONS = [
    {"trigger": "begin_countdown", "source": IDLE, "dest": COUNTDOWN, "conditions": "can_start"},
    {"trigger": "countdown_elapsed", "source": COUNTDOWN, "dest": RUNNING},
    {"trigger": "begin_pause", "source": RUNNING, "dest": PAUSED},
    {"trigger": "begin_resume", "source": PAUSED, "dest": COUNTDOWN},
    {"trigger": "begin_stop", "source": COUNTDOWN, "dest": IDLE},
    {"trigger": "begin_stop", "source": [RUNNING, PAUSED, REVERSING], "dest": STOPPING},
    {"trigger": "finish_program", "source": RUNNING, "dest": STOPPING},
    {"trigger": "reach_standstill", "source": STOPPING, "dest": IDLE},
    {"trigger": "begin_reversal", "source": RUNNING, "dest": REVERSING},
    {"trigger": "reversal_complete", "source": REVERSING, "dest": RUNNING},
    {"trigger": "trip_estop", "source": UNLATCHED, "dest": ESTOP},
    {"trigger": "trip_fault", "source": UNLATCHED, "dest": FAULT},
    {"trigger": "clear_latch", "source": list(LATCHED), "dest": IDLE, "conditions": "can_clear_latch"},
]

TRIGGERS = sorted({t["trigger"] for t in TRANSITIONS})


def build_machine(model, graph: bool = False) -> Machine:
    """Attach the state machine to `model` (which supplies the guard methods)."""
    kwargs = dict(
        model=model,
        states=STATES,
        transitions=TRANSITIONS,
        initial=IDLE,
        auto_transitions=False,
        ignore_invalid_triggers=False,
        after_state_change="on_state_change",
    )
    if graph:
        from transitions.extensions import GraphMachine

        return GraphMachine(graph_engine="mermaid", title="retrotread", show_conditions=True, **kwargs)
    return Machine(**kwargs)

"""The transition table, state x trigger: every pair is either allowed (to a named state) or
refused. The expected table is written out here by hand, independently of controller/states.py."""

import pytest
from transitions import MachineError

from controller import states as S

I, C, R, P, T, V, E, F = "idle", "countdown", "running", "paused", "stopping", "reversing", "estop", "fault"

EXPECTED = {
    #                   idle  countdown running paused stopping reversing estop fault
    "begin_countdown":   [C,    None,     None,   None,  None,    None,     None,  None],
    "countdown_elapsed": [None, R,        None,   None,  None,    None,     None,  None],
    "begin_pause":       [None, None,     P,      None,  None,    None,     None,  None],
    "begin_resume":      [None, None,     None,   C,     None,    None,     None,  None],
    "begin_stop":        [None, I,        T,      T,     None,    T,        None,  None],
    "finish_program":    [None, None,     T,      None,  None,    None,     None,  None],
    "reach_standstill":  [None, None,     None,   None,  I,       None,     None,  None],
    "begin_reversal":    [None, None,     V,      None,  None,    None,     None,  None],
    "reversal_complete": [None, None,     None,   None,  None,    R,        None,  None],
    "trip_estop":        [E,    E,        E,      E,     E,       E,        None,  None],
    "trip_fault":        [F,    F,        F,      F,     F,       F,        None,  None],
    "clear_latch":       [None, None,     None,   None,  None,    None,     I,     I],
}
ORDER = [I, C, R, P, T, V, E, F]


class Model:
    def __init__(self, guards_pass=True):
        self.guards_pass = guards_pass

    def can_start(self):
        return self.guards_pass

    def can_clear_latch(self):
        return self.guards_pass

    def on_state_change(self):
        pass


def test_the_table_covers_every_trigger_and_state():
    assert sorted(EXPECTED) == S.TRIGGERS
    assert ORDER == S.STATES


@pytest.mark.parametrize("trigger", sorted(EXPECTED))
@pytest.mark.parametrize("state", ORDER)
def test_state_by_trigger(state, trigger):
    model = Model()
    machine = S.build_machine(model)
    machine.set_state(state)
    expected = EXPECTED[trigger][ORDER.index(state)]
    if expected is None:
        with pytest.raises(MachineError):
            getattr(model, trigger)()
        assert model.state == state
    else:
        assert getattr(model, trigger)() is True
        assert model.state == expected


@pytest.mark.parametrize("state, trigger", [(I, "begin_countdown"), (E, "clear_latch"), (F, "clear_latch")])
def test_guards_refuse_when_they_fail(state, trigger):
    model = Model(guards_pass=False)
    machine = S.build_machine(model)
    machine.set_state(state)
    assert getattr(model, trigger)() is False
    assert model.state == state


def test_trigger_names_do_not_clash_with_model_attributes():
    from controller.core import Controller

    clashing = [t for t in S.TRIGGERS if t in vars(Controller)]
    assert clashing == []
    for name in ("stop", "start", "reset", "state"):
        assert name not in S.TRIGGERS

"""docs/console.md lists every key the console binds, with the words of the help screen."""

from pathlib import Path

from ui.console.keys import ESTOP, MAIN, SIMULATOR
from ui.console.screens.dialogs import key_names

DOC = Path(__file__).resolve().parents[2] / "docs" / "console.md"


def test_the_operator_guide_lists_every_key():
    text = DOC.read_text(encoding="utf-8")
    for key in (ESTOP, *MAIN, *SIMULATOR):
        assert f"| `{key_names(key)}` | {key.help} |" in text, key.action

"""`retrotread diagram`: the controller's state machine as Mermaid, or SVG via graphviz `dot`."""

from __future__ import annotations

import shutil
import subprocess

from controller import states as S


class _Model:
    """A stand-in model: the diagram needs the guard names, not a live controller."""

    def can_start(self) -> bool:
        return True

    def can_clear_latch(self) -> bool:
        return True

    def on_state_change(self) -> None:
        pass


def mermaid() -> str:
    machine = S.build_machine(_Model(), graph=True)
    return machine.model.get_graph().draw(None) if hasattr(machine.model, "get_graph") else ""


def dot_source() -> str:
    """The same table as DOT: one edge per (source, trigger, dest), guards in brackets."""
    lines = ["digraph retrotread {", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="sans"];']
    for state in S.STATES:
        colour = ' color="red"' if state in S.LATCHED else ""
        lines.append(f'  "{state}"[label="{state}"{colour}];')
    for t in S.TRANSITIONS:
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        guard = f' [{t["conditions"]}]' if "conditions" in t else ""
        for source in sources:
            lines.append(f'  "{source}" -> "{t["dest"]}" [label="{t["trigger"]}{guard}", fontsize=9];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(fmt: str) -> str:
    if fmt == "mermaid":
        text = mermaid()
        return text if text.endswith("\n") else text + "\n"
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError("SVG needs graphviz's `dot` (apt-get install graphviz); use --format mermaid")
    return subprocess.run([dot, "-Tsvg"], input=dot_source(), capture_output=True, text=True, check=True).stdout

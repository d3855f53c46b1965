"""An imported workout as a readable program file (docs/programs.md's format).

The header comment says where it came from, that every step runs forward (none of the
source formats can say "backward"), how targets were converted, and what could not be
carried over. Blocks are written as `[[steps]]` with `repeat` and indented `[[steps.steps]]`.
`paths()` maps each written step's path (`steps[1].steps[0]`) to where it came from, so that
a check's message can name the source file's element.
"""

from __future__ import annotations

import json
import textwrap

from ui.importers.model import Block, Imported, Step, flat_steps

FORWARD_ONLY = ("FORWARD ONLY: {fmt} cannot say \"backward\", so every step runs forward. To make a "
                "step backward, set its direction to \"reverse\" and lower its speed (people walk "
                "backward far more slowly), add a cue, then run `retrotread check` again.")


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0")


def _comment(text: str, width: int = 96) -> list[str]:
    return ["# " + line for line in textwrap.wrap(text, width - 2, break_long_words=False)] or ["#"]


def header(imported: Imported) -> list[str]:
    lines = _comment(f"Imported by `retrotread import` from {imported.source} ({imported.fmt}).")
    lines += _comment(FORWARD_ONLY.format(fmt=imported.fmt.split(" (")[0]))
    for note in imported.notes:
        lines += _comment(note)
    if any(step.target_hr_bpm is not None for step in flat_steps(imported.steps)):
        lines += _comment("Heart-rate guided steps need a heart-rate source when run (--hr; docs/heart_rate.md).")
    if imported.lost:
        lines.append("#")
        lines.append("# Not carried over:")
        for item in imported.lost:
            lines += ["#   " + line[2:] if n else "# - " + line[2:]
                      for n, line in enumerate(_comment(item, 92))]
    return lines


def _step_lines(step: Step, table: str, indent: str) -> list[str]:
    lines = [f"{indent}[[{table}]]", f"{indent}name = {toml_string(step.name)}", f'{indent}direction = "forward"']
    if step.target_hr_bpm is not None:
        lines.append(f"{indent}target_hr_bpm = {_number(step.target_hr_bpm)}")
        lines.append(f"{indent}min_speed_kmh = {_number(step.min_speed_kmh)}")
        lines.append(f"{indent}max_speed_kmh = {_number(step.max_speed_kmh)}")
        if step.hr_adjust_s is not None:
            lines.append(f"{indent}hr_adjust_s = {_number(step.hr_adjust_s)}")
    else:
        lines.append(f"{indent}speed_kmh = {_number(step.speed_kmh)}")
        if step.to_speed_kmh is not None and step.to_speed_kmh != step.speed_kmh:
            lines.append(f"{indent}to_speed_kmh = {_number(step.to_speed_kmh)}")
    if step.incline_pct:
        lines.append(f"{indent}incline_pct = {_number(step.incline_pct)}")
    lines.append(f"{indent}duration_s = {_number(step.duration_s)}")
    if step.cue:
        lines.append(f"{indent}cue = {toml_string(step.cue)}")
    return lines


def _items(items: list[Step | Block], table: str, depth: int, path: str, origins: dict[str, str],
           parent: str = "") -> list[str]:
    lines: list[str] = []
    indent = "  " * depth
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        origins[here] = item.origin
        lines.append("")
        if item.origin and item.origin != parent:
            lines.append(f"{indent}# from {item.origin}")
        if isinstance(item, Block):
            lines += [f"{indent}[[{table}]]", f"{indent}name = {toml_string(item.name)}", f"{indent}repeat = {item.repeat}"]
            lines += _items(item.steps, f"{table}.steps", depth + 1, f"{here}.steps", origins, item.origin)
        else:
            lines += _step_lines(item, table, indent)
    return lines


def render(imported: Imported, profile: str) -> tuple[str, dict[str, str]]:
    """The program file's text, and step path -> origin in the source."""
    lines = header(imported)
    lines.append(f"name = {toml_string(imported.name)}")
    if imported.description:
        lines.append(f"description = {toml_string(imported.description)}")
    lines.append(f"profile = {toml_string(profile)}")
    origins: dict[str, str] = {}
    lines += _items(imported.steps, "steps", 0, "steps", origins)
    return "\n".join(lines) + "\n", origins

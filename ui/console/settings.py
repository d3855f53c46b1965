"""What the console remembers between runs for its operator: the colour theme (issue 13,
point 4). A small JSON file (default ~/.config/retrotread/console.json); a missing or damaged
file means the defaults, and a file that cannot be written is said, never fatal."""

from __future__ import annotations

import json
from pathlib import Path

THEMES = ("standard", "colour-safe")


def default_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("retrotread")) / "console.json"


def load_theme(path: Path | None) -> str:
    """The remembered theme, else "standard"."""
    if path is None:
        return THEMES[0]
    try:
        theme = json.loads(path.read_text(encoding="utf-8")).get("theme")
    except (OSError, ValueError, AttributeError):
        return THEMES[0]
    return theme if theme in THEMES else THEMES[0]


def save_theme(path: Path | None, theme: str) -> str | None:
    """Remember `theme`; returns why it could not be, or None."""
    if path is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"theme": theme}) + "\n", encoding="utf-8")
    except OSError as exc:
        return f"{path}: cannot write: {exc.strerror}"
    return None

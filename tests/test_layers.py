"""The direction of imports (DESIGN.md, "Layout and the direction of dependencies"), read
from the source with `ast`, so that a wrong import fails here rather than in a review.

    controller/   imports only itself, drivers.base and the neutral leaves; never sim/ or ui/
    drivers/      imports nothing from controller/, sim/ or ui/ (and names none of them in a
                  "module:factory" string: the composition root registers sim://)
    leaves        drivers/units.py, drivers/input_errors.py import nothing from the project
    sim/          imports nothing from ui/
    ui/session/   imports nothing else from ui/
    headless      controller/, drivers/, sim/, ui/session/, ui/run.py and ui/cli.py's top level
                  never import ui/console/, not even through another module's top level

Imports inside functions count too (a lazy import is still a dependency), except where a rule
says "top level".
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("controller", "drivers", "sim", "ui")
LEAVES = ("drivers.units", "drivers.input_errors")
CONTROLLER_MAY_IMPORT = ("controller", "drivers.base", *LEAVES)
CONSOLE = "ui.console"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _source_files() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


@cache
def _imports(path: Path) -> tuple[tuple[str, int, bool], ...]:
    """(imported module, line, at module top level) for every import in `path`; `from a import b`
    gives both a and a.b (b may be a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    top_level = {id(node) for node in tree.body}
    top_level |= {id(child) for node in tree.body if isinstance(node, (ast.If, ast.Try))
                  for child in ast.walk(node) if isinstance(child, (ast.Import, ast.ImportFrom))}
    found = []
    for node in ast.walk(tree):
        at_top = id(node) in top_level
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, at_top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.append((target, node.lineno, at_top))
            found += [(f"{target}.{alias.name}", node.lineno, at_top) for alias in node.names]
    return tuple(found)


def _within(name: str, prefixes: tuple[str, ...] | str) -> bool:
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _project(name: str) -> bool:
    return _within(name, PACKAGES)


def _module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _violations(files: list[Path], allowed) -> list[str]:
    """"file:line imports X" for each project import in `files` that `allowed(name)` refuses."""
    bad = []
    for path in files:
        for name, line, _ in _imports(path):
            if _project(name) and _module_file(name) is not None and not allowed(name):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return sorted(set(bad))


def _files(prefix: str) -> list[Path]:
    return [path for path in _source_files() if _within(_module_name(path), prefix)]


def test_the_scan_sees_the_imports_it_judges():
    # a guard against a scan that silently finds nothing
    assert "drivers.base" in {name for name, _, _ in _imports(ROOT / "controller" / "loop.py")}
    assert len(_source_files()) > 50


def test_controller_imports_only_itself_the_drive_contract_and_the_leaves():
    assert _violations(_files("controller"), lambda name: _within(name, CONTROLLER_MAY_IMPORT)) == []


def test_drivers_import_nothing_from_controller_sim_or_ui():
    assert _violations(_files("drivers"), lambda name: _within(name, "drivers")) == []


def test_drivers_name_no_other_package_as_a_backend():
    named = []
    for path in _files("drivers"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                module = node.value.partition(":")[0]
                if " " not in node.value and _within(module, ("controller", "sim", "ui")):
                    named.append(f"{path.relative_to(ROOT)}:{node.lineno} names {node.value!r}")
    assert named == []


@pytest.mark.parametrize("leaf", LEAVES)
def test_the_neutral_leaves_import_nothing_from_the_project(leaf):
    assert _violations([_module_file(leaf)], lambda name: False) == []


def test_sim_imports_nothing_from_ui():
    assert _violations(_files("sim"), lambda name: not _within(name, "ui")) == []


def test_the_session_host_imports_nothing_else_from_ui():
    allowed = lambda name: not _within(name, "ui") or _within(name, "ui.session")  # noqa: E731
    assert _violations(_files("ui.session"), allowed) == []


def _top_level_closure(start: Path) -> dict[str, str]:
    """Every project module that importing `start` loads through top-level imports (package
    __init__ files included), mapped to the module that first imported it."""
    parts = _module_name(start).split(".")
    seen = {".".join(parts[:depth]): "(its own packages)" for depth in range(1, len(parts))}
    todo = [_module_name(start), *seen]
    while todo:
        current = todo.pop()
        path = _module_file(current)
        if path is None:
            continue
        for name, _, at_top in _imports(path):
            if not at_top or not _project(name):
                continue
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
                parent = ".".join(parts[:depth])
                if parent not in seen and _module_file(parent) is not None:
                    seen[parent] = current
                    todo.append(parent)
    return seen


def _headless_files() -> list[Path]:
    return [*_files("controller"), *_files("drivers"), *_files("sim"), *_files("ui.session"),
            ROOT / "ui" / "run.py"]


def test_nothing_headless_imports_the_console():
    # anywhere in controller/, drivers/, sim/, ui/session/ and ui/run.py
    assert _violations(_headless_files(), lambda name: not _within(name, CONSOLE)) == []


def test_nothing_headless_loads_the_console_at_import_time():
    # through any chain of top-level imports, and for ui/cli.py too (its subcommands may
    # import the console lazily, once the operator asks for it)
    loaded = []
    for start in [*_headless_files(), ROOT / "ui" / "cli.py"]:
        closure = _top_level_closure(start)
        loaded += [f"{start.relative_to(ROOT)} loads {name} (imported by {by})"
                   for name, by in closure.items() if _within(name, CONSOLE)]
    assert sorted(set(loaded)) == []

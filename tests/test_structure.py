"""The shape of the code, checked: no import circles (function-level imports included), no
module over 600 lines, and a command line that starts without the web, database and queue
libraries for the commands that need none of them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES

PACKAGES = ("parsers", "mappings", "edi_gateway")
MAX_LINES = 600
HEAVY = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "procrastinate", "httpx")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of the three packages that ``name`` imports, anywhere in its body."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [f"{module}.{a.name}" for a in node.names] + [module]
        else:
            continue
        for target in targets:
            if target in modules:
                out.add(target)
            elif target.rsplit(".", 1)[0] in modules and "." in target:
                pass  # a name from a module already counted through ``module``
    out.discard(name)
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    """A module never imports, directly or through others, a module that imports it
    (function-level imports count: they hide circles, they do not remove them). A
    package's ``__init__`` importing its own submodules is the one exception."""
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        deps = _imports(name, path, modules)
        if path.name == "__init__.py":
            deps = {d for d in deps if not d.startswith(name + ".")}
        graph[name] = deps
    assert _cycles(graph) == []


def test_no_module_over_600_lines() -> None:
    """Modules split by idea: none in parsers/, mappings/ or edi_gateway/ is longer than
    600 lines, with no exemptions."""
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}


def test_layers_point_one_way() -> None:
    """``edi_gateway -> mappings -> parsers``: the library never imports the service."""
    modules = _modules()
    for name, path in modules.items():
        layer = name.split(".")[0]
        for dep in _imports(name, path, modules):
            dep_layer = dep.split(".")[0]
            allowed = {
                "parsers": {"parsers"},
                "mappings": {"mappings", "parsers"},
                "edi_gateway": set(PACKAGES),
            }[layer]
            assert dep_layer in allowed, f"{name} imports {dep}"


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["validate", "--format", "json", str(SAMPLES / "837p" / "837p_valid_basic.x12")],
        [
            "validate",
            "--guide",
            "medi-cal-encounters-837",
            str(SAMPLES / "837p" / "837p_valid_basic.x12"),
        ],
        ["generate", "837p", "--count", "1"],
        ["guides", "list"],
    ],
    ids=["help", "validate", "validate-guide", "generate", "guides"],
)
def test_light_commands_import_no_service_library(argv: list[str]) -> None:
    """These commands run in a fresh process without importing the web, database or queue
    stack (it is what made ``--help`` take 0.8 s)."""
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['edi-gateway', *{argv!r}]\n"
        "try:\n"
        "    runpy.run_module('edi_gateway.cli', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert "HEAVY=\n" in done.stderr, done.stderr


def test_no_private_name_imported_from_another_module() -> None:
    """What another module needs is public: no ``from ours import _name`` anywhere (the
    benchmarks once imported the pipeline's ``_Pump``)."""
    found = []
    for folder in (*PACKAGES, "benchmarks", "tests", "fuzz"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ImportFrom):
                    continue
                ours = node.level or (node.module or "").split(".")[0] in PACKAGES
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {a.name}"
                    for a in node.names
                    if ours and a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert found == []


def test_test_modules_have_unique_names() -> None:
    """pytest imports test files by their base name (no packages under tests/): two files
    of one name stop the whole suite at collection."""
    seen: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        seen.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}

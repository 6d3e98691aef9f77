"""The README's two commands, CI, the Makefile and the Dockerfile stay in step."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT, compiled_modules


def _text(name: str) -> str:
    return (ROOT / name).read_text()


def _make_recipe(target: str) -> str:
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", _text("Makefile"), re.M)
    assert match, f"Makefile has no {target} target"
    return match.group(1)


def test_readme_gives_exactly_the_two_commands() -> None:
    readme = _text("README.md")
    commands = re.findall(r"^    (make \w+)$", readme, re.M)
    assert commands == ["make run", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    lines = [ln for ln in _text(".ci/run").splitlines() if ln and not ln.startswith("#")]
    assert "make test" in lines
    assert "set -euo pipefail" in lines


def test_make_run_starts_the_service_and_make_test_runs_every_check() -> None:
    assert "edi-gateway serve" in _make_recipe("run")
    lint = _make_recipe("lint")
    for tool in ("ruff check", "ruff format --check", "mypy"):
        assert tool in lint
    assert "pytest" in _make_recipe("test")


def test_dockerfile_matches_the_readme_install_and_entry_point() -> None:
    docker = _text("Dockerfile")
    pyproject = tomllib.loads(_text("pyproject.toml"))
    script = pyproject["project"]["scripts"]["edi-gateway"]
    assert script == "edi_gateway.cli:main"
    assert re.search(r"^FROM python:3\.11-slim$", docker, re.M)
    assert 'CMD ["edi-gateway", "serve"]' in docker
    assert re.search(r"^USER (?!root)\w+", docker, re.M)
    port = re.search(r"EDI_GATEWAY_PORT=(\d+)", docker)
    assert port and f"EXPOSE {port.group(1)}" in docker
    assert f"127.0.0.1:{port.group(1)}/healthz" in docker
    assert "HEALTHCHECK" in docker
    # Every package the project ships is copied into the image.
    for package in ("parsers", "mappings", "edi_gateway", "migrations"):
        assert f"COPY {package} ./{package}" in docker
    for name in ("pyproject.toml", "setup.py", "README.md"):
        assert name in docker


def test_the_compiled_modules_are_listed_in_one_place() -> None:
    compiled = compiled_modules()
    assert compiled and len(set(compiled)) == len(compiled)
    for name in compiled:
        assert name.split("/")[0] in ("parsers", "mappings", "edi_gateway"), name
        assert (ROOT / name).is_file(), name
        if name.startswith("edi_gateway/"):
            # a compiled module of the service builds values only: no database or web code
            source = _text(name)
            for framework in ("sqlalchemy", "fastapi", "starlette", "asyncpg"):
                assert f"import {framework}" not in source, name
                assert f"from {framework}" not in source, name
    # setup.py, the Makefile, the stale-build check, the README and the Dockerfile read or
    # point to pyproject.toml's list instead of repeating it.
    for other in ("setup.py", "Makefile", "tests/conftest.py", "README.md", "Dockerfile"):
        text = _text(other)
        assert [name for name in compiled if name in text] == [], other
        assert "[tool.edi_gateway] compiled" in text or '["edi_gateway"]["compiled"]' in text

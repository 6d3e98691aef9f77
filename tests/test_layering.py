"""Dependencies point one way: edi_gateway -> mappings -> parsers. parsers/ is a pure
library (no web, no database); mappings/ knows nothing of the service."""

from __future__ import annotations

import ast

import pytest
from conftest import ROOT

FORBIDDEN = {
    "parsers": ("mappings", "edi_gateway", "fastapi", "sqlalchemy", "starlette", "httpx"),
    "mappings": ("edi_gateway", "fastapi", "sqlalchemy", "starlette", "httpx"),
}


def _imports(path):  # type: ignore[no-untyped-def]
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upward(package: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path)
        if name in FORBIDDEN[package]
    ]
    assert offenders == []

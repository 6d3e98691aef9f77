"""Build hook: compile the hot modules of ``parsers``, of the guide engine and of the
encounter writer's row building with mypyc.

The parser and the companion-guide engine are plain, fully typed Python (``mypy
--strict``); mypyc turns the modules on the per-segment and per-claim path (listed once, in
``[tool.edi_gateway] compiled`` of pyproject.toml) into C extensions, roughly doubling
validation speed. Without a C compiler, or with ``EDI_GATEWAY_PURE_PYTHON=1``, the package
installs as plain Python (the same behaviour, slower).
"""

from __future__ import annotations

import os
import shutil
import sysconfig
import tomllib
from pathlib import Path

from setuptools import setup

with open(Path(__file__).resolve().parent / "pyproject.toml", "rb") as pyproject:
    COMPILED: list[str] = tomllib.load(pyproject)["tool"]["edi_gateway"]["compiled"]


def _have_compiler() -> bool:
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    return shutil.which(cc) is not None


ext_modules = []
if os.environ.get("EDI_GATEWAY_PURE_PYTHON") != "1" and _have_compiler():
    try:
        from mypyc.build import mypycify
    except ImportError:
        mypycify = None
    if mypycify is not None:
        ext_modules = mypycify(COMPILED, opt_level="3", debug_level="0")

setup(ext_modules=ext_modules)

"""Build hook: compile the hot modules of ``parsers`` and of the guide engine with mypyc.

The parser and the companion-guide engine are plain, fully typed Python (``mypy
--strict``); mypyc turns the modules on the per-segment and per-claim path into C
extensions, roughly doubling validation speed. Without a C
compiler, or with ``EDI_GATEWAY_PURE_PYTHON=1``, the package installs as plain Python
(the same behaviour, slower).
"""

from __future__ import annotations

import os
import shutil
import sysconfig

from setuptools import setup

COMPILED = [
    "parsers/ack277.py",
    "parsers/acks.py",
    "parsers/elements.py",
    "parsers/engine.py",
    "parsers/findings.py",
    "parsers/igmap.py",
    "parsers/results.py",
    "parsers/tokenizer.py",
    "parsers/tree.py",
    "parsers/walker.py",
    "mappings/common.py",
    "mappings/x834.py",
    "mappings/x835.py",
    "mappings/x837.py",
    "mappings/codesets/formats.py",
    "mappings/guides/checks.py",
    "mappings/guides/paths.py",
    "mappings/guides/program.py",
]


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

"""What the command-line modules share: the type of the registry their subcommands are
added to (``register(sub)``). Standard library only: the CLI must start fast."""

from __future__ import annotations

import argparse
from typing import TypeAlias

__all__ = ["Subcommands"]

#: ``parser.add_subparsers()``: each command module adds its commands to it
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

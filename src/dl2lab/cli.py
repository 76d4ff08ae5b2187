"""The ``dl2lab`` command: one entry point, one sub-command per part.

Each part of the package registers its own sub-commands from a small
``cli`` module (``dl2lab.optim.cli`` and so on) that imports nothing heavy at
module level, so ``dl2lab --help`` stays fast. This module only parses,
dispatches and turns :class:`~dl2lab.errors.Dl2labError` into a one-line
message with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from dl2lab import __version__
from dl2lab.errors import Dl2labError
from dl2lab.progress import set_enabled

# Modules that define ``register(subparsers)``; order is the order in --help.
PARTS = (
    "dl2lab.optim.cli",
    "dl2lab.datasets.cli",
    "dl2lab.text.cli",
    "dl2lab.topics.cli",
    "dl2lab.caption.cli",
    "dl2lab.answers.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the full argument parser with every part's sub-commands."""
    parser = argparse.ArgumentParser(
        prog="dl2lab",
        description=(
            "Working companion to the 'Deep Learning 2' exam: optimizers, a "
            "tweet topic classifier, an image captioner and an answer key, "
            "all running offline on real data."
        ),
    )
    parser.add_argument("--version", action="version", version=f"dl2lab {__version__}")
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more log output (-vv: debug)",
    )
    parser.add_argument(
        "--progress",
        choices=("auto", "on", "off"),
        default="auto",
        help="progress bars: on a terminal only (auto), always, or never",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    set_enabled({"auto": None, "on": True, "off": False}[args.progress])
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except Dl2labError as exc:
        print(f"dl2lab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; no partial output was kept", file=sys.stderr)
        return 130

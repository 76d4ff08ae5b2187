"""``dl2lab caption``: image features, and the captioner's train/evaluate/predict.

The group is shared by two parts: ``dl2lab.vision.cli`` adds ``features`` and
``dl2lab.caption.commands`` adds the model commands.
"""

from __future__ import annotations

import argparse
import importlib

_PARTS = ("dl2lab.vision.cli", "dl2lab.caption.commands")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``caption`` group and its sub-commands."""
    parser = subparsers.add_parser(
        "caption",
        help="image features and the image captioner (Exercise 4)",
        description="Image features from a pretrained CNN, and the exam's "
        "RNN captioner: train, evaluate, predict.",
    )
    sub = parser.add_subparsers(dest="caption_command", metavar="COMMAND")
    parser.set_defaults(func=lambda args: parser.print_help() or 2)
    for name in _PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)

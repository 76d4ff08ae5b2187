"""``dl2lab answers``: decide the exam's True/False statements from evidence."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``answers`` sub-command."""
    parser = subparsers.add_parser(
        "answers",
        help="the exam's 33 True/False statements decided by evidence",
        description=(
            "Run one check per True/False statement of the exam (Exercises 1, "
            "3.2, 3.4, 4.2, 4.3): inspections of the models as dl2lab builds "
            "them, and small seeded experiments on real data. Writes a Markdown "
            "report with figures and prints the summary table."
        ),
    )
    parser.add_argument(
        "--out", default="answers/report.md", help="report file (figures go beside it)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="ID",
        help="statement ids (4.2.6) or sections (4.2) to run; default all",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller experiments (a few minutes)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every experiment")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``dl2lab answers``."""
    from pathlib import Path

    from dl2lab.answers.core import Context, run_checks
    from dl2lab.answers.report import render, summary_table
    from dl2lab.atomic import output_dir, write_text
    from dl2lab.errors import Dl2labError

    if args.seed < 0:
        raise Dl2labError(f"`--seed` must be an integer >= 0; got {args.seed}")
    out = Path(args.out)
    if out.suffix.lower() != ".md":
        raise Dl2labError(f"`--out` must name a .md file; got {args.out!r}")
    figure_dir = out.parent / f"{out.stem}_files"
    # Figures are drawn into a temporary folder that replaces the old one only
    # when every check has run, so an interrupted run leaves nothing behind.
    with output_dir(figure_dir, guard=True) as tmp:
        context = Context(quick=args.quick, seed=args.seed, figure_dir=tmp)
        findings = run_checks(args.only, context)
        for finding in findings:
            if finding.outcome.figure is not None:
                finding.outcome.figure = figure_dir / finding.outcome.figure.name
    write_text(out, render(findings, out, quick=args.quick, seed=args.seed))
    print(summary_table(findings))
    print(f"\nwrote {out}")
    return 0

"""``dl2lab optim``: run the exam's optimizers on the exam's problem."""

from __future__ import annotations

import argparse
import logging

METHODS = ("gd", "momentum", "nesterov")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``optim`` sub-command."""
    parser = subparsers.add_parser(
        "optim",
        help="gradient descent and momentum on the exam's linear problem (Ex. 2)",
        description=(
            "Minimise the exam's linear least-squares problem (100 samples, 8 "
            "features, RandomState(0)) and print the loss after every step. With "
            "the defaults this reproduces the exam's printed figures: "
            "0.10512056065005256 for gradient descent and 0.008094608613871714 "
            "for momentum, after 15 steps at learning rate 0.1."
        ),
    )
    parser.add_argument(
        "--method",
        action="append",
        choices=METHODS,
        help="optimizer to run; repeat to compare several (default: gd and momentum)",
    )
    parser.add_argument("--learning-rate", type=float, default=0.1, help="default 0.1")
    parser.add_argument(
        "--momentum", type=float, default=0.5, help="mu for momentum/nesterov; 0.5"
    )
    parser.add_argument("--steps", type=int, default=15, help="updates; default 15")
    parser.add_argument(
        "--dampening", type=float, default=0.0, help="momentum dampening; default 0"
    )
    parser.add_argument(
        "--weight-decay", type=float, default=0.0, help="L2 coefficient; default 0"
    )
    parser.add_argument(
        "--unscaled",
        action="store_true",
        help="use integer features in 0..99 instead of standard normal ones "
        "(shows divergence at learning rates that work on scaled features)",
    )
    parser.add_argument("--plot", metavar="FILE.png", help="draw the loss curves")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute ``dl2lab optim``."""
    from dl2lab.errors import Dl2labError
    from dl2lab.optim import SGD, exam_problem, minimize

    if args.plot:
        from pathlib import Path

        plot = Path(args.plot)
        if plot.suffix.lower() != ".png":
            raise Dl2labError(f"`--plot` must name a .png file; got {args.plot!r}")
        if not plot.resolve().parent.is_dir():
            raise Dl2labError(
                f"`--plot` folder {str(plot.parent)!r} does not exist; create it first"
            )
    if args.method and "gd" in args.method and args.momentum != 0.5:
        logging.getLogger(__name__).warning("--momentum is ignored by method 'gd'")
    methods = args.method or ["gd", "momentum"]
    methods = list(dict.fromkeys(methods))
    problem = exam_problem(unscaled=args.unscaled)
    curves = {}
    for method in methods:
        optimizer = SGD(
            learning_rate=args.learning_rate,
            momentum=0.0 if method == "gd" else args.momentum,
            nesterov=method == "nesterov",
            dampening=0.0 if method == "gd" else args.dampening,
            weight_decay=args.weight_decay,
        )
        if method != "gd" and args.momentum == 0:
            raise Dl2labError(
                f"`--momentum` must be in (0, 1) for method {method!r}; got 0"
            )
        curves[method] = minimize(
            problem.loss, problem.grads, problem.init_params(), optimizer, args.steps
        ).losses

    header = "step  " + "  ".join(f"{m:>22}" for m in methods)
    print(header)
    for step in range(args.steps + 1):
        row = "  ".join(f"{curves[m][step]!r:>22}" for m in methods)
        print(f"{step:>4}  {row}")
    for method in methods:
        print(f"final loss {method}: {curves[method][-1]!r}")
    if args.plot:
        from dl2lab.optim.plot import plot_losses

        plot_losses(curves, args.plot, args.learning_rate, args.momentum)
        print(f"wrote {args.plot}")
    return 0

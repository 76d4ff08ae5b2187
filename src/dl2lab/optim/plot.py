"""Loss curves of several optimizers on one log-scale figure."""

from __future__ import annotations

import os

from dl2lab.atomic import temporary_path


def plot_losses(
    curves: dict[str, list[float]],
    path: str | os.PathLike,
    learning_rate: float,
    momentum: float,
) -> None:
    """Draw one loss curve per method and save a PNG atomically.

    Args:
        curves: Method name -> losses (step 0 first).
        path: Destination PNG.
        learning_rate: Shown in the title.
        momentum: Shown in the title.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    for method, losses in curves.items():
        ax.plot(range(len(losses)), losses, marker="o", markersize=3, label=method)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (half mean squared error)")
    ax.set_title(f"Exam problem, learning_rate={learning_rate}, momentum={momentum}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with temporary_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)

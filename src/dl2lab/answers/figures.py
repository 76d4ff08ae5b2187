"""Small plotting helpers shared by the checks."""

from __future__ import annotations

from pathlib import Path

from dl2lab.atomic import temporary_path


def new_figure(width: float = 6.0, height: float = 3.6):
    """Return ``(fig, ax)`` on the non-interactive backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height), dpi=110)


def save(fig, path: Path | None) -> Path | None:
    """Save ``fig`` to ``path`` atomically (if a path is given) and close it."""
    import matplotlib.pyplot as plt

    if path is not None:
        fig.tight_layout()
        with temporary_path(path) as tmp:
            fig.savefig(tmp, format="png")
    plt.close(fig)
    return path

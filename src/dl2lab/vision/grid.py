"""A grid of images with their captions, for looking at a captioned set.

    python -m dl2lab.vision.grid emoji docs/emoji-grid.png
    python -m dl2lab.vision.grid clipart docs/clipart-grid.png

draws a fixed, seeded sample of the set with the first reference under
each image (the README's figures are made this way).
"""

from __future__ import annotations

import argparse
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

from dl2lab.atomic import temporary_path
from dl2lab.vision.images import load_image


def save_grid(
    images: Sequence[str | os.PathLike],
    captions: Sequence[str],
    path: str | os.PathLike,
    columns: int = 4,
    side: int = 160,
) -> Path:
    """Draw ``images`` in a grid with one caption under each, as a PNG.

    Args:
        images: Image files (anything :func:`load_image` reads).
        captions: One caption per image.
        path: Output PNG, written atomically.
        columns: Images per row.
        side: Pixels per image.

    Returns:
        The path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(columns * 2.3, rows * 3.0), squeeze=False
    )
    for ax in axes.ravel():
        ax.axis("off")
    for ax, image, caption in zip(axes.ravel(), images, captions, strict=False):
        ax.imshow(load_image(image, size=(side, side), fit="pad"))
        ax.set_title("\n".join(textwrap.wrap(caption, 24)[:3]), fontsize=8, y=-0.28)
    figure.tight_layout()
    with temporary_path(path) as tmp:
        figure.savefig(tmp, dpi=80)
    plt.close(figure)
    return Path(path)


def main(argv: list[str] | None = None) -> None:
    """Draw a seeded sample of a captioned set (see the module docstring)."""
    from dl2lab.datasets.registry import load

    parser = argparse.ArgumentParser(description="grid of a captioned image set")
    parser.add_argument("dataset", choices=("emoji", "clipart"))
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=12)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    table = load(args.dataset)
    if args.dataset == "emoji":
        # A few emoji, each in all four styles.
        styles = table.groupby("hexcode")["style"].nunique()
        chosen = styles[styles == 4].sample(args.n // 4, random_state=args.seed)
        sample = table[table["hexcode"].isin(chosen.index)]
        sample = sample.sort_values(["hexcode", "style"])
        captions = [
            f"{style}: {refs[0]}"
            for style, refs in zip(sample["style"], sample["references"], strict=True)
        ]
    else:
        sample = table.sample(args.n, random_state=args.seed)
        captions = [r[0] for r in sample["references"]]
    save_grid(list(sample["image"]), captions, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""Regenerate the captioner's results table of the README.

For each dataset (emoji with held-out concepts, emoji with a held-out design
team, openclipart), train the exam's decoder with the default settings on
EfficientNet-Lite0 features, then score on the test split, with corpus
BLEU-1..4 (x 100): greedy decoding, beam search with beam 1, 3 and 5, the most
frequent training caption, and nearest-neighbour retrieval on the same
features. Also prints the training time, captions per second for greedy and
beam 3, a sweep of the length penalty on the emoji validation split, the
batched beam search against the per-hypothesis reference
(``bench/beam_reference.py``) at beam 5 on 100 images, and draws
``docs/caption-examples.png``.

    .venv/bin/python bench/caption.py [--datasets emoji emoji:style clipart]
        [--out bench-out/caption] [--max-images N]

Features come from the dl2lab cache (computed on first use, which takes long
on a 2-core machine). A dataset that cannot be loaded is reported and skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from dl2lab.caption.data import load_data, split_features, subsample
from dl2lab.caption.evaluate import decode_captions, evaluate_methods, score
from dl2lab.caption.run import predict_images, train_on_splits
from dl2lab.caption.store import Captioner, save_captioner
from dl2lab.caption.train import TrainConfig

sys.path.insert(0, str(Path(__file__).parent))
from beam_reference import compare  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAMES = {
    "emoji": "emoji, held-out concepts",
    "emoji:style": "emoji, held-out design team",
    "clipart": "openclipart titles",
}
PHOTOS = ["astronaut.png", "coffee.png", "chelsea.png"]


def run_dataset(spec: str, out: Path, max_images: int | None, seed: int) -> dict:
    """Train and score one dataset; return its row of the table."""
    config = TrainConfig(seed=seed)
    table = subsample(load_data(spec), max_images, seed)
    splits = split_features(table, "efficientnet-lite0")
    model, vocab, result, val_bleu = train_on_splits(splits, config)
    folder = out / spec.replace(":", "-")
    save_captioner(
        folder, model, vocab,
        {"data": spec, "backbone": "efficientnet-lite0", "weights": None,
         "feature_dim": int(splits["train"].features.shape[1]),
         "max_images": max_images, "train": config.to_dict()},
        {"best_epoch": result.best_epoch, "train_seconds": result.seconds},
        result.history,
    )  # fmt: skip
    train, test = splits["train"], splits["test"]
    methods = evaluate_methods(
        model, vocab, train.features, train.references,
        test.features, test.references, beam_sizes=(0, 1, 3, 5),
    )  # fmt: skip
    row = {
        "data": spec,
        "train_images": len(train),
        "test_images": len(test),
        "train_seconds": result.seconds,
        "epochs": len(result.history["loss"]),
        "best_epoch": result.best_epoch,
        "methods": [m.to_dict() for m in methods],
        "examples": [
            {"image": test.images[i], "references": test.references[i],
             **{m.method: m.captions[i] for m in methods}}
            for i in range(min(len(test), 200))
        ],
    }  # fmt: skip
    row["model"] = Captioner(model, vocab, {"backbone": "efficientnet-lite0"}, folder)
    row["splits"] = splits
    return row


def length_penalty_sweep(row: dict, values=(0.0, 0.5, 0.7, 1.0)) -> dict:
    """Beam-3 BLEU-4 on the validation split for each length penalty."""
    captioner, val = row["model"], row["splits"]["val"]
    out = {}
    for alpha in values:
        captions, _ = decode_captions(
            captioner.model, captioner.vocab, val.features, 3, alpha
        )
        bleu = score(captions, val.references, captioner.vocab.tokenize)
        out[alpha] = bleu[4]
    return out


def markdown(rows: list[dict]) -> str:
    """The README table."""
    lines = [
        "| data (test images) | method | BLEU-1 | BLEU-2 | BLEU-3 | BLEU-4 "
        "| captions/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        label = f"{NAMES.get(row['data'], row['data'])} ({row['test_images']})"
        for m in row["methods"]:
            speed = m["captions_per_second"]
            speed = (
                f"{speed:,.0f}" if speed and m["method"] in ("greedy", "beam-3") else ""
            )
            bleu = " | ".join(f"{100 * m['bleu'][str(n)]:.1f}" for n in range(1, 5))
            lines.append(f"| {label} | {m['method']} | {bleu} | {speed} |")
            label = ""
    lines.append("")
    lines.append("| data | training images | epochs (best) | training time |")
    lines.append("|---|---|---|---|")
    for row in rows:
        lines.append(
            f"| {NAMES.get(row['data'], row['data'])} | {row['train_images']:,} | "
            f"{row['epochs']} ({row['best_epoch']}) | {row['train_seconds']:.0f} s |"
        )
    return "\n".join(lines)


def draw_examples(rows: list[dict], photos: list[dict], path: Path) -> None:
    """A grid of test drawings and real photos with their captions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dl2lab.vision.images import load_image

    rng = np.random.default_rng(0)
    panels = []
    for row in rows[:2]:
        picks = rng.choice(len(row["examples"]), size=4, replace=False)
        for i in picks:
            ex = row["examples"][i]
            panels.append((ex["image"], ex["beam-3"], ex["references"][0], row["data"]))
    for p in photos:
        panels.append((p["image"], p["caption"], "(real photo, no reference)", "photo"))
    cols = 4
    rows_n = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(3.1 * cols, 3.3 * rows_n))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, (image, caption, reference, data) in zip(
        np.ravel(axes), panels, strict=False
    ):
        ax.imshow(load_image(image))  # what the backbone saw
        ax.set_title(f"{caption or '(empty caption)'}\n[{reference}]", fontsize=8)
        ax.text(0.02, 0.02, data, transform=ax.transAxes, fontsize=6, color="gray")
    fig.suptitle(
        "beam-3 captions [first reference] - top: held-out emoji; "
        "middle: held-out design team; bottom: photos",
        fontsize=9,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", nargs="+", default=["emoji", "emoji:style", "clipart"]
    )
    parser.add_argument("--out", default="bench-out/caption")
    parser.add_argument("--max-images", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", default=str(ROOT / "docs/caption-examples.png"))
    args = parser.parse_args()
    out = Path(args.out)
    rows = []
    for spec in args.datasets:
        start = time.perf_counter()
        try:
            rows.append(run_dataset(spec, out, args.max_images, args.seed))
        except Exception as exc:  # report any failure of one dataset and go on
            print(f"skipped {spec}: {type(exc).__name__}: {exc}")
            continue
        print(f"{spec}: done in {time.perf_counter() - start:.0f} s", flush=True)
    if not rows:
        return
    print(markdown(rows))

    sweep = length_penalty_sweep(rows[0])
    print("beam-3 BLEU-4 on the validation split by length penalty: "
          + ", ".join(f"{a}: {100 * b:.1f}" for a, b in sweep.items()))  # fmt: skip

    test = rows[0]["splits"]["test"].features[:100]
    ref = compare(rows[0]["model"].model, test, beam_size=5)
    print(
        f"beam 5 on {ref['images']} test images: batched "
        f"{ref['batched_seconds']:.2f} s, per-hypothesis reference "
        f"{ref['reference_seconds']:.1f} s, speed-up "
        f"{ref['speedup']:.1f}x, identical captions {ref['identical']}/{ref['images']}"
    )

    import skimage

    photo_dir = Path(skimage.__file__).parent / "data"
    photos = predict_images(rows[0]["model"], [str(photo_dir / p) for p in PHOTOS], 3)
    for p in photos:
        print(f"{Path(p['image']).name}: {p['caption']!r}")
    draw_examples(rows, photos, Path(args.figure))
    print(f"wrote {args.figure}")

    report = {
        "rows": [{k: v for k, v in r.items() if k not in ("model", "splits")}
                 for r in rows],
        "length_penalty_sweep": {str(a): b for a, b in sweep.items()},
        "beam_reference": ref,
        "photos": photos,
    }  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out / 'results.json'}")


if __name__ == "__main__":
    main()

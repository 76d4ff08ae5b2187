"""``dl2lab caption train / evaluate / predict``: the captioner's commands."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train``, ``evaluate`` and ``predict`` to the ``caption`` group."""
    train = subparsers.add_parser(
        "train",
        help="train the exam's RNN captioner on captioned images",
        description=(
            "Compute (or reuse cached) image features, build the caption "
            "vocabulary on the training captions, and train the exam's decoder "
            "with teacher forcing and early stopping on the validation loss. "
            "The output folder (model, vocabulary, config, versions, metrics, "
            "learning curve) is written whole or not at all."
        ),
    )
    train.add_argument(
        "--data",
        default="emoji",
        metavar="SPEC",
        help="emoji | emoji:style | clipart | flickr8k:DIR | coco:JSON,IMAGE_DIR "
        "(default: emoji, held-out emoji concepts)",
    )
    train.add_argument(
        "--backbone",
        default="efficientnet-lite0",
        help="image feature extractor: efficientnet-lite0 (default) or resnet50",
    )
    train.add_argument("--weights", help="local weights file for the backbone")
    train.add_argument("--out", required=True, metavar="DIR", help="output folder")
    train.add_argument("--cell", choices=("simple", "lstm", "gru"), default="simple")
    train.add_argument(
        "--condition", choices=("every-step", "initial-state"), default="every-step"
    )
    train.add_argument("--dropout", type=float, default=0.0, help="default 0")
    train.add_argument("--epochs", type=int, default=30, help="at most; default 30")
    train.add_argument("--batch-size", type=int, default=64, help="default 64")
    train.add_argument(
        "--learning-rate", type=float, default=2e-3, help="Adam; default 0.002"
    )
    train.add_argument(
        "--patience", type=int, default=3, help="early-stopping patience; default 3"
    )
    train.add_argument("--seed", type=int, default=0, help="default 0")
    train.add_argument(
        "--max-images",
        type=int,
        metavar="N",
        help="train and evaluate on a seeded sample of at most N images, the "
        "same share of each split (a quick run; default: all)",
    )
    train.set_defaults(func=run_train)

    evaluate = subparsers.add_parser(
        "evaluate",
        help="BLEU of greedy and beam decoding against two baselines",
        description=(
            "Caption the test split of the folder's data with greedy decoding "
            "and beam search, and score them with corpus BLEU-1..4 against the "
            "most frequent training caption and nearest-neighbour retrieval."
        ),
    )
    evaluate.add_argument("folder", metavar="DIR", help="folder written by train")
    evaluate.add_argument(
        "--beam-size", type=int, action="append", help="repeatable; default 3"
    )
    evaluate.add_argument(
        "--length-penalty",
        type=float,
        default=0.5,
        help="beam score = log-prob / length ** this; default 0.5",
    )
    evaluate.add_argument("--split", choices=("test", "val"), default="test")
    evaluate.add_argument("--json", metavar="FILE", help="also write scores as JSON")
    evaluate.set_defaults(func=run_evaluate)

    predict = subparsers.add_parser(
        "predict",
        help="caption image files, one JSON line per image",
        description="Caption image files with a trained captioner.",
    )
    predict.add_argument("folder", metavar="DIR", help="folder written by train")
    predict.add_argument("images", metavar="IMAGE", nargs="+", help="image files")
    predict.add_argument(
        "--beam-size", type=int, default=3, help="1 is greedy; default 3"
    )
    predict.add_argument(
        "--length-penalty",
        type=float,
        default=0.5,
        help="beam score = log-prob / length ** this; default 0.5",
    )
    predict.add_argument(
        "--no-repeat-ngram-size",
        type=int,
        default=0,
        help="forbid repeating an n-gram of this size (0: off)",
    )
    predict.add_argument("--allow-unk", action="store_true", help="allow <unk>")
    predict.set_defaults(func=run_predict)


def run_train(args: argparse.Namespace) -> int:
    """Execute ``dl2lab caption train``."""
    from dl2lab.caption.run import train_captioner
    from dl2lab.caption.train import TrainConfig

    config = TrainConfig(
        cell=args.cell,
        condition=args.condition,
        dropout=args.dropout,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        patience=args.patience,
        seed=args.seed,
    )
    metrics = train_captioner(
        args.data, args.out, args.backbone, args.weights, config, args.max_images
    )
    bleu = metrics["val_bleu_greedy"]
    print(
        f"trained on {metrics['train_pairs']} captions of "
        f"{metrics['train_images']} images in {metrics['train_seconds']:.1f} s "
        f"(best epoch {metrics['best_epoch']} of {metrics['epochs_run']})"
    )
    print(
        f"validation: loss {metrics['val_loss']:.3f}, masked accuracy "
        f"{metrics['val_masked_accuracy']:.3f}, greedy BLEU-1/4 "
        f"{100 * bleu['1']:.1f} / {100 * bleu['4']:.1f}"
    )
    print(f"wrote {args.out}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Execute ``dl2lab caption evaluate``."""
    import json

    from dl2lab.atomic import write_text
    from dl2lab.caption.evaluate import format_table
    from dl2lab.caption.run import evaluate_captioner
    from dl2lab.errors import Dl2labError

    beams = args.beam_size or [3]
    bad = [b for b in beams if b < 1]
    if bad:
        raise Dl2labError(f"`--beam-size` must be >= 1; got {bad[0]}")
    results = evaluate_captioner(
        args.folder, (0, *beams), args.length_penalty, args.split
    )
    print(f"{args.split} split, corpus BLEU x 100")
    print(format_table(results))
    if args.json:
        write_text(
            args.json, json.dumps([r.to_dict() for r in results], indent=2) + "\n"
        )
        print(f"wrote {args.json}")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Execute ``dl2lab caption predict``."""
    import json

    from dl2lab.caption.run import predict_images

    for row in predict_images(
        args.folder,
        args.images,
        beam_size=args.beam_size,
        length_penalty=args.length_penalty,
        no_repeat_ngram_size=args.no_repeat_ngram_size,
        allow_unk=args.allow_unk,
    ):
        print(json.dumps(row, ensure_ascii=False))
    return 0

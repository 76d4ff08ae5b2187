"""``dl2lab topics train | evaluate | predict``: the topic classifier."""

from __future__ import annotations

import argparse
import sys

MODELS = ("average", "lstm", "cnn", "transformer", "minilm", "minilm-frozen", "tfidf")
DEFAULT_EVAL_DATA = ("topics", "tweets-gold")


def _data_arguments(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--data",
        action="append",
        required=required,
        metavar="SOURCE",
        help="topics, tweets-gold, or a labelled FILE.csv/.jsonl/.parquet; "
        "repeat to combine sources",
    )
    parser.add_argument(
        "--text-column", default="text", help="text column of a file (text)"
    )
    parser.add_argument(
        "--label-column", default="label", help="label column of a file (label)"
    )


def _hparam(value: str) -> tuple[str, object]:
    key, sep, raw = value.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE; got {value!r}")
    for cast in (int, float):
        try:
            return key, cast(raw)
        except ValueError:
            pass
    return key, None if raw.lower() in ("none", "null") else raw


def _stdin_lines():
    """Yield stdin's lines, one text each (blank ones included), strict UTF-8."""
    from dl2lab.errors import Dl2labError

    for number, raw in enumerate(sys.stdin.buffer, start=1):
        try:
            yield raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise Dl2labError(
                f"stdin line {number} is not valid UTF-8 (byte {exc.start + 1}); "
                "expected UTF-8 text"
            ) from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``topics`` group with ``train``, ``evaluate`` and ``predict``."""
    group = subparsers.add_parser(
        "topics",
        help="tweet topic classifier: train, evaluate, predict (Ex. 3.2-3.4)",
        description="Classify short texts as politics, technology, religion or "
        "none (or any labels of your own file).",
    )
    commands = group.add_subparsers(dest="topics_command", metavar="COMMAND")
    group.set_defaults(func=lambda args: group.print_help() or 2)

    # train
    train = commands.add_parser(
        "train",
        help="train a model and write its folder",
        description="Train on the train rows of --data, stop early on its val rows "
        "(or a stratified share of the train rows), score on its test rows and "
        "write a model folder (model, vocabulary, label names, config, versions, "
        "metrics.json, training-curve.png, confusion-matrix.png) whole.",
    )
    _data_arguments(train, required=True)
    train.add_argument("--model", choices=MODELS, default="average")
    train.add_argument("--epochs", type=int, help="most epochs (model default)")
    train.add_argument("--batch-size", type=int, help="default 32 (minilm: 16)")
    train.add_argument("--seed", type=int, default=0, help="default 0")
    train.add_argument("--patience", type=int, help="early-stopping patience")
    train.add_argument(
        "--class-weight",
        choices=("none", "balanced"),
        default="none",
        help="weight the loss by inverse class frequency (balanced)",
    )
    train.add_argument("--max-len", type=int, help="token_ids length (Keras models)")
    train.add_argument(
        "--val-fraction",
        type=float,
        default=0.1,
        help="share of train rows for validation when no val split exists (0.1)",
    )
    train.add_argument(
        "--hparam",
        type=_hparam,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="model hyper-parameter, e.g. embedding_dim=32; repeatable",
    )
    train.add_argument("--out", required=True, metavar="DIR", help="model folder")
    train.set_defaults(func=run_train)

    # evaluate
    evaluate = commands.add_parser(
        "evaluate",
        help="score a model folder on test splits",
        description="Accuracy, macro-F1, per-class precision/recall/F1 and the "
        "confusion matrix on the test split of each --data source (default: "
        "topics and tweets-gold; tweets-gold with its ambiguous tweets included "
        "and left out). A file without a split column is scored whole.",
    )
    evaluate.add_argument("model_dir", metavar="DIR")
    _data_arguments(evaluate, required=False)
    evaluate.add_argument("--json", metavar="FILE", help="also write the scores here")
    evaluate.set_defaults(func=run_evaluate)

    # predict
    predict = commands.add_parser(
        "predict",
        help="label texts with a model folder",
        description="Label TEXT arguments, or the texts of --input FILE (a "
        "column of .csv/.jsonl/.parquet, else one per line), or stdin lines.",
    )
    predict.add_argument("model_dir", metavar="DIR")
    predict.add_argument("texts", nargs="*", metavar="TEXT")
    predict.add_argument("--input", metavar="FILE", help="texts to label")
    predict.add_argument("--text-column", default="text", help="for --input tables")
    predict.add_argument("--top-k", type=int, help="labels per text (default: all)")
    predict.add_argument("--format", choices=("jsonl", "csv"), help="default jsonl")
    predict.add_argument("--batch-size", type=int, default=256, help="default 256")
    predict.add_argument("--output", metavar="FILE", help="write here, not stdout")
    predict.set_defaults(func=run_predict)


def run_train(args: argparse.Namespace) -> int:
    """Execute ``dl2lab topics train``."""
    from dl2lab.atomic import check_output_dir
    from dl2lab.topics.data import load_sources
    from dl2lab.topics.train import TrainOptions, scores_summary, train

    options = TrainOptions(
        model=args.model,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        patience=args.patience,
        balance=args.class_weight == "balanced",
        max_len=args.max_len,
        hparams=dict(args.hparam),
        val_fraction=args.val_fraction,
    )
    options.resolved()  # refuse bad options before loading any data
    check_output_dir(args.out)
    frame = load_sources(args.data, args.text_column, args.label_column)
    metrics = train(frame, args.out, options, data=args.data)
    print(
        f"trained {args.model} on {metrics['n_train']} texts in "
        f"{metrics['train_seconds']:.1f} s ({metrics['epochs_run']} epochs, best "
        f"{metrics['best_epoch']}), {metrics['n_params']:,} params"
    )
    for line in scores_summary(metrics):
        print(line)
    print(f"wrote {args.out}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Execute ``dl2lab topics evaluate``."""
    import json

    from dl2lab.atomic import write_text
    from dl2lab.topics.data import load_sources
    from dl2lab.topics.evaluate import evaluate, evaluation_sets, format_report
    from dl2lab.topics.folder import load_folder

    classifier = load_folder(args.model_dir)
    frame = load_sources(
        args.data or list(DEFAULT_EVAL_DATA), args.text_column, args.label_column
    )
    results = evaluate(classifier, evaluation_sets(frame))
    print(format_report(results, classifier.label_names))
    if args.json:
        write_text(args.json, json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """Execute ``dl2lab topics predict``."""
    import io

    from dl2lab.atomic import write_text
    from dl2lab.errors import Dl2labError
    from dl2lab.topics.folder import load_folder
    from dl2lab.topics.predict import (
        check_top_k,
        predict_stream,
        read_texts,
        write_records,
    )

    if args.texts and args.input:
        raise Dl2labError("give texts as arguments or --input FILE, not both")
    classifier = load_folder(args.model_dir)
    top_k = check_top_k(args.top_k, len(classifier.label_names))
    if args.texts:
        texts = args.texts
    elif args.input:
        texts = read_texts(args.input, args.text_column)
    else:
        texts = _stdin_lines()
    fmt = args.format or (
        "csv" if args.output and args.output.lower().endswith(".csv") else "jsonl"
    )
    rows = predict_stream(classifier, texts, top_k, args.batch_size)
    if args.output:
        buffer = io.StringIO()
        count = write_records(rows, buffer, fmt, top_k)
        write_text(args.output, buffer.getvalue())
        print(f"wrote {count} predictions to {args.output}", file=sys.stderr)
    else:
        write_records(rows, sys.stdout, fmt, top_k)
    return 0

"""Every topic model x three training regimes, scored on both test splits.

Regimes: the ``topics`` corpus only (quotes and verses), the ``tweets-gold``
train split only (real tweets labelled by reading), and both. Each model is
trained with its defaults and seed 0 (validation: the val split of the same
sources), then scored on the ``tweets-gold`` test split (ambiguous tweets
included) and the ``topics`` test split: accuracy, macro-F1, training time,
prediction throughput (texts/s on 1,000 gold tweets in one call, after a
warm-up call on 1,000 others) and parameter
count. Then ``average``'s training speed (samples/s, one epoch after a
compiling one) is compared with the exam's own model 1, Keras'
GlobalAveragePooling1D (which averages padding too), in the same run.

Results go to ``bench/results/topics.json`` after every run, so an
interrupted benchmark resumes where it stopped (``--fresh`` starts over), and
the README's results table is rewritten between its markers.

    .venv/bin/python bench/topics.py [--models average tfidf] [--regimes gold]
"""

import argparse
import json
import sys
import time
from pathlib import Path

import dl2lab  # noqa: F401  (sets KERAS_BACKEND before keras is imported)

# isort: split

import numpy as np

from dl2lab.atomic import write_text
from dl2lab.topics.data import load_sources, train_val_test
from dl2lab.topics.evaluate import label_ids, score
from dl2lab.topics.train import MODEL_NAMES, TrainOptions, fit_classifier, throughput

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "topics.json"
README = ROOT / "README.md"
START, END = "<!-- topics-results:start -->", "<!-- topics-results:end -->"
REGIMES = {
    "topics": ["topics"],
    "gold": ["tweets-gold"],
    "both": ["tweets-gold", "topics"],
}
REGIME_TITLES = {
    "topics": "topics corpus",
    "gold": "tweets-gold train",
    "both": "both",
}


def run_one(model: str, regime: str, data, balance: bool = False) -> dict:
    frame = data[regime]
    train_rows, val_rows, _ = train_val_test(frame, seed=0)
    label_names = sorted(set(frame["label"]))
    options = TrainOptions(model=model, seed=0, balance=balance).resolved()
    start = time.perf_counter()
    classifier, history = fit_classifier(options, train_rows, val_rows, label_names)
    seconds = time.perf_counter() - start
    result = {
        "model": model + (" (balanced)" if balance else ""),
        "regime": regime,
        "n_train": len(train_rows),
        "train_seconds": seconds,
        "epochs_run": len(history.get("loss", [1])),
        "n_params": classifier.count_params(),
    }
    for name, test in data["tests"].items():
        y = label_ids(test["label"], label_names, name)
        scored = score(y, classifier.predict_proba(test["text"].tolist()), label_names)
        result[name] = {k: scored[k] for k in ("n", "accuracy", "macro_f1")}
    result["texts_per_second"] = throughput(
        classifier, data["speed_texts"], data["warmup_texts"]
    )
    return result


def keras_speed(data) -> dict:
    """Training samples/s: dl2lab's average model against Keras' GAP1D."""
    import keras

    from dl2lab.text.clean import Cleaner
    from dl2lab.text.vocab import DEFAULT_MAX_LEN, Vocabulary
    from dl2lab.topics.models import DEFAULTS, build_model

    train_rows, _, _ = train_val_test(data["both"], seed=0)
    tokens = Cleaner().batch(train_rows["text"].tolist())
    vocab = Vocabulary.build(tokens)
    x = vocab.encode(tokens, DEFAULT_MAX_LEN, padding="post")
    x = np.concatenate([x] * 4)  # about 13,000 rows
    y = np.random.default_rng(0).integers(0, 4, len(x))
    dim = DEFAULTS["average"]["embedding_dim"]

    def exam_model():
        inputs = keras.Input((DEFAULT_MAX_LEN,), dtype="int32")
        pooled = keras.layers.GlobalAveragePooling1D()(
            keras.layers.Embedding(len(vocab), dim)(inputs)
        )
        model = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(pooled))
        # Compiled like dl2lab's (same optimizer and metric), so only the
        # pooling differs.
        model.compile(
            keras.optimizers.Adam(DEFAULTS["average"]["learning_rate"]),
            "sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    speeds = {}
    for batch_size in (32, 128):
        for name, build in (
            ("dl2lab average (masked)", lambda: build_model("average", len(vocab),
                                                            DEFAULT_MAX_LEN, 4)),
            ("exam model 1 (Keras GAP1D)", exam_model),
        ):  # fmt: skip
            best = 0.0
            for _ in range(3):  # best of three: the CPU is shared
                model = build()
                model.fit(x[:256], y[:256], batch_size=batch_size, epochs=1, verbose=0)
                start = time.perf_counter()
                model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
                best = max(best, len(x) / (time.perf_counter() - start))
            speeds[f"{name}, batch {batch_size}"] = best
    return speeds


def table(results: list[dict], speeds: dict | None) -> str:
    gold, topics = "tweets-gold test", "topics test"
    lines = [
        "| model | trained on | gold acc | gold macro-F1 | topics acc | topics "
        "macro-F1 | train s | texts/s | params |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    order = {m: i for i, m in enumerate(MODEL_NAMES)}
    regimes = list(REGIMES)

    def rank(r):
        return (regimes.index(r["regime"]), order[r["model"].split(" ")[0]], r["model"])

    for r in sorted(results, key=rank):
        lines.append(
            f"| {r['model']} | {REGIME_TITLES[r['regime']]} "
            f"| {r[gold]['accuracy']:.3f} | **{r[gold]['macro_f1']:.3f}** "
            f"| {r[topics]['accuracy']:.3f} | {r[topics]['macro_f1']:.3f} "
            f"| {r['train_seconds']:.0f} | {r['texts_per_second']:,.0f} "
            f"| {r['n_params']:,} |"
        )
    if speeds:
        names = list(speeds)
        lines += [
            "",
            "| training speed, 1 epoch of 13,000 tweets | samples/s |",
            "|---|---|",
            *[f"| {name} | {value:,.0f} |" for name, value in speeds.items()],
            *[
                f"| ratio dl2lab / exam, batch {names[i].rsplit(' ', 1)[1]} "
                f"| {speeds[names[i]] / speeds[names[i + 1]]:.2f} |"
                for i in range(0, len(names), 2)
            ],
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", default=list(MODEL_NAMES))
    parser.add_argument("--regimes", nargs="*", default=list(REGIMES))
    parser.add_argument("--fresh", action="store_true", help="forget saved results")
    parser.add_argument("--no-speed", action="store_true", help="skip samples/s")
    parser.add_argument(
        "--balanced", action="store_true", help="train with balanced class weights"
    )
    args = parser.parse_args()

    saved = {"runs": [], "speed": None}
    if RESULTS.exists() and not args.fresh:
        saved = json.loads(RESULTS.read_text())
    done = {(r["model"], r["regime"]) for r in saved["runs"]}

    data = {regime: load_sources(sources) for regime, sources in REGIMES.items()}
    tests = data["both"][data["both"]["split"] == "test"]
    data["tests"] = {
        "tweets-gold test": tests[tests["source"] == "tweets-gold"],
        "topics test": tests[tests["source"] == "topics"],
    }
    gold_texts = data["gold"]["text"].tolist()
    data["speed_texts"] = gold_texts[:1000]
    data["warmup_texts"] = gold_texts[1000:2000]

    for regime in args.regimes:
        for model in args.models:
            key = model + (" (balanced)" if args.balanced else "")
            if (key, regime) in done:
                continue
            result = run_one(model, regime, data, args.balanced)
            g = result["tweets-gold test"]
            print(
                f"{key:>13} on {regime:<6}: gold macro-F1 {g['macro_f1']:.3f} "
                f"(acc {g['accuracy']:.3f}), topics macro-F1 "
                f"{result['topics test']['macro_f1']:.3f}, "
                f"{result['train_seconds']:.0f} s, {result['texts_per_second']:,.0f} "
                f"texts/s",
                flush=True,
            )
            # Re-read first: another bench process may have added runs.
            if RESULTS.exists():
                saved["runs"] = json.loads(RESULTS.read_text())["runs"]
            saved["runs"] = [
                r for r in saved["runs"] if (r["model"], r["regime"]) != (key, regime)
            ] + [result]
            write_text(RESULTS, json.dumps(saved, indent=1) + "\n")
    if RESULTS.exists():
        saved["runs"] = json.loads(RESULTS.read_text())["runs"]
    if not args.no_speed:
        saved["speed"] = keras_speed(data)
        for name, value in saved["speed"].items():
            print(f"{name}: {value:,.0f} samples/s")
        write_text(RESULTS, json.dumps(saved, indent=1) + "\n")

    text = table(saved["runs"], saved["speed"])
    print(text)
    readme = README.read_text(encoding="utf-8")
    if START in readme and END in readme:
        head, rest = readme.split(START, 1)
        _, tail = rest.split(END, 1)
        write_text(README, f"{head}{START}\n{text}\n{END}{tail}")
        print(f"updated {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

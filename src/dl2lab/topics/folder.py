"""A trained topic classifier on disk: one folder, written whole or not at all.

Layout (every model)::

    config.json          model name, format version, label_to_id, max_len,
                         cleaner config, hyper-parameters, training options
                         and data, the model files it needs
    label_names.json     the label of each output id, in order
    versions.json        dl2lab, Python, numpy, Keras and backend, torch, ...
    metrics.json         validation and test scores, time, speed, params
    training-curve.png   loss / accuracy per epoch (TF-IDF: val F1 per C)
    confusion-matrix.png on the test rows (or validation rows)

plus the model's own files: ``model.keras`` + ``vocab.json`` (Keras models),
``minilm/`` (fine-tuned MiniLM, safetensors), ``head.keras`` (frozen MiniLM),
``tfidf.npz`` + ``tfidf-ngrams.json``.

Loading checks that every file is there, that the folder's format version is
the one this dl2lab reads, and that ``label_names.json``, the config's
``label_to_id`` and the width of the model's output agree.
"""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from dl2lab import __version__
from dl2lab.errors import Dl2labError

FORMAT = "dl2lab-topics"
FORMAT_VERSION = 1
BASE_FILES = ("config.json", "label_names.json", "versions.json", "metrics.json")
CURVE_FILE = "training-curve.png"
CONFUSION_FILE = "confusion-matrix.png"


def classifier_class(name: str):
    """Return the classifier class that implements model ``name``."""
    from dl2lab.topics.models import KERAS_MODELS

    if name in KERAS_MODELS:
        from dl2lab.topics.neural import KerasTextClassifier

        return KerasTextClassifier
    if name == "tfidf":
        from dl2lab.topics.tfidf import TfidfClassifier

        return TfidfClassifier
    if name == "minilm":
        from dl2lab.topics.minilm import MiniLMClassifier

        return MiniLMClassifier
    if name == "minilm-frozen":
        from dl2lab.topics.minilm import FrozenMiniLMClassifier

        return FrozenMiniLMClassifier
    raise Dl2labError(f"unknown model {name!r}")


def versions() -> dict[str, str]:
    """Versions of Python, dl2lab and the numerical packages in use."""
    found = {"dl2lab": __version__, "python": platform.python_version()}
    for package in ("numpy", "keras", "jax", "torch", "transformers", "scikit-learn"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "absent"
    import keras

    found["keras_backend"] = keras.backend.backend()
    found["platform"] = platform.platform()
    return found


def _json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def write_folder(
    tmp: Path,
    classifier,
    config: dict[str, Any],
    metrics: dict[str, Any],
) -> None:
    """Fill ``tmp`` (an :func:`dl2lab.atomic.output_dir` folder) with a model.

    Args:
        tmp: The temporary folder that becomes the model folder.
        classifier: The trained classifier (has ``save``, ``label_names``).
        config: Training options and data description; the model's own
            entries (from ``classifier.save``) are added to it.
        metrics: Scores and measurements.
    """
    label_names = list(classifier.label_names)
    config = dict(config)
    config.update(classifier.save(tmp))
    config.update(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        model=classifier.name,
        label_to_id={name: i for i, name in enumerate(label_names)},
        files=sorted([*BASE_FILES, *classifier.files]),
    )
    _json(tmp / "config.json", config)
    _json(tmp / "label_names.json", label_names)
    _json(tmp / "versions.json", versions())
    _json(tmp / "metrics.json", metrics)


def read_config(folder: str | Path) -> dict[str, Any]:
    """Read and check a model folder's config (files present, format version).

    Raises:
        Dl2labError: Missing folder, missing files, or another format version.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise Dl2labError(f"model folder {str(folder)!r} does not exist")
    missing = [f for f in BASE_FILES if not (folder / f).is_file()]
    if "config.json" in missing:
        raise Dl2labError(
            f"model folder {str(folder)!r} is incomplete or not a topic model: "
            f"missing {', '.join(missing)}; train one with `dl2lab topics train`"
        )
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Dl2labError(
            f"model folder {str(folder)!r}: config.json is not valid JSON ({exc})"
        ) from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise Dl2labError(
            f"model folder {str(folder)!r} is not a dl2lab topic model "
            f"(config.json has no format {FORMAT!r})"
        )
    if config.get("format_version") != FORMAT_VERSION:
        raise Dl2labError(
            f"model folder {str(folder)!r} has format version "
            f"{config.get('format_version')!r} (written by dl2lab "
            f"{config.get('dl2lab_version', 'unknown')}); this dl2lab "
            f"{__version__} reads format version {FORMAT_VERSION}: retrain it with "
            f"`dl2lab topics train`"
        )
    missing += [f for f in config.get("files", []) if not (folder / f).is_file()]
    if missing:
        raise Dl2labError(
            f"model folder {str(folder)!r} is incomplete: missing "
            f"{', '.join(sorted(set(missing)))}; copy the whole folder or retrain"
        )
    return config


def load_folder(folder: str | Path):
    """Load the classifier saved in ``folder``.

    Returns:
        The classifier, with ``predict_proba(texts)`` and ``label_names``.

    Raises:
        Dl2labError: Incomplete folder, another format version, or label names
            that disagree with ``label_to_id`` or with the model's output.
    """
    folder = Path(folder)
    config = read_config(folder)
    label_names = json.loads((folder / "label_names.json").read_text(encoding="utf-8"))
    label_to_id = config.get("label_to_id", {})
    by_id = sorted(label_to_id, key=label_to_id.get)
    if (
        not isinstance(label_names, list)
        or len(set(label_names)) != len(label_names)
        or by_id != label_names
        or sorted(label_to_id.values()) != list(range(len(label_names)))
    ):
        raise Dl2labError(
            f"model folder {str(folder)!r}: label_names.json {label_names!r} does not "
            f"match the label_to_id mapping in config.json {label_to_id!r}"
        )
    classifier = classifier_class(config.get("model"))
    try:
        loaded = classifier.load(folder, config, label_names)
    except Dl2labError:
        raise
    except Exception as exc:  # a damaged file: Keras, zipfile or safetensors
        raise Dl2labError(
            f"model folder {str(folder)!r} holds a damaged model file "
            f"({type(exc).__name__}); copy the whole folder again or retrain"
        ) from None
    if loaded.n_outputs() != len(label_names):
        raise Dl2labError(
            f"model folder {str(folder)!r}: the model has {loaded.n_outputs()} "
            f"outputs but label_names.json lists {len(label_names)} labels"
        )
    return loaded

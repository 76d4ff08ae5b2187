"""The exam's 33 True/False statements, word for word, with its filled-in answers.

Exercise 1 and 3.2 come with answers filled in ("T" or "F"); 3.4, 4.2 and 4.3
are left as "T/F" in the exam, so their ``exam_answer`` is None.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Statement:
    """One True/False assertion of the exam.

    Attributes:
        id: Section and position, e.g. ``"4.2.6"`` (Exercise 1 uses ``"1.n"``).
        section: Exam section, e.g. ``"4.2"``.
        text: The statement as printed.
        exam_answer: ``True``/``False`` where the exam fills one in, else None.
    """

    id: str
    section: str
    text: str
    exam_answer: bool | None


def _section(section: str, prefix: str, rows: list[tuple[str | None, str]]):
    return [
        Statement(
            id=f"{prefix}.{i}",
            section=section,
            text=text,
            exam_answer=None if answer is None else answer == "T",
        )
        for i, (answer, text) in enumerate(rows, start=1)
    ]


STATEMENTS: tuple[Statement, ...] = tuple(
    _section(
        "1",
        "1",
        [
            ("T", "Bad choice of optimization parameters can cause underfitting"),
            (
                "F",
                "Decreasing the minibatch size helps reducing noise in the gradients",
            ),
            (
                "F",
                "If a CNN is overfitting, doubling the number of filters will usually "
                "make it overfit twice more",
            ),
            (
                "T",
                "The learning rate and the batch size often have an impact on "
                "generalization",
            ),
            (
                "F",
                "Decrease the learning rate for the optimizer helps overcome "
                "overfitting",
            ),
            (
                "T",
                "Inserting normalization layers (e.g. BatchNorm) helps overcome "
                "underfitting",
            ),
            (
                "F",
                "Typical neural network architectures are over-parameterized, meaning "
                "that they have enough trainable parameters to fit arbitrary noise "
                "labels.",
            ),
        ],
    )
    + _section(
        "3.2",
        "3.2",
        [
            ("T", "4 is a correct number of classes for this problem"),
            ("T", "20000 is a suitable vocabulary size"),
            ("F", "5 is a suitable embedding dimension"),
            ("F", "50 is a suitable sequence length"),
            ("F", "The first model only has parameters in the Dense layer"),
            ("T", "The first model takes into account the order of the words"),
        ],
    )
    + _section(
        "3.4",
        "3.4",
        [
            (
                None,
                "The self-attention mechanism enables to take into account the order "
                "of the words",
            ),
            (
                None,
                "It is necessary to add a positional embedding in transformer "
                "architectures when working with sequential data",
            ),
            (
                None,
                "It is possible to use a pre-trained architecture and fine-tune it for "
                "a classification task such as the one above",
            ),
            (
                None,
                "Transformer architectures can be used in sequence in sequence "
                "settings such as Machine Translation",
            ),
            (
                None,
                "The self-attention mechanism does not bring additional parameters to "
                "the transformer architecture",
            ),
        ],
    )
    + _section(
        "4.2",
        "4.2",
        [
            (None, "`base_model.layers[-2].output` has spatial dimensions"),
            (None, "After the `Dense` Layer `img_features` has spatial dimensions"),
            (
                None,
                "After the `RepeatVector` Layer, `img_features` has sequential "
                "dimensions",
            ),
            (None, "The linear projection has parameters"),
            (
                None,
                "It is possible to fine tune the ResNet50 parameters when training "
                "the RNN",
            ),
            (
                None,
                "The hidden-to-hidden parameter matrix of the RNN has a shape of "
                "(128, 1000)",
            ),
            (
                None,
                "it is possible to add an attention mechanism to focus on specific "
                "part of the picture",
            ),
            (None, "This model is a conditional language model"),
        ],
    )
    + _section(
        "4.3",
        "4.3",
        [
            (
                None,
                "At test time, it is possible to use this same strategy (input both "
                "the image and the shifted output)",
            ),
            (
                None,
                "It is possible that we just capture the language structure, and "
                "barely take into account the image",
            ),
            (
                None,
                "At test time, we can decode the first word, then the second given "
                "the first, etc... (greedy decoding)",
            ),
            (
                None,
                "A beam search would probably improve results over a greedy decoding",
            ),
            (
                None,
                "For shorter sequences, there will be a stronger vanishing gradients "
                "problem",
            ),
            (
                None,
                "Replacing the RNN with an LSTM will help generalization, but will "
                "make the training more difficult",
            ),
            (
                None,
                "Replacing the basic RNN model (while preserving its 128 hidden "
                "dimension) by a LSTM would reduce the number of parameters",
            ),
        ],
    )
)

BY_ID: dict[str, Statement] = {s.id: s for s in STATEMENTS}

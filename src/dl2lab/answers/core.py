"""Checks, their outcomes, and running them.

A check decides one statement. It is a function registered with
:func:`check` that receives a :class:`Context` (seed, quick mode, where to
put figures, and a cache shared between checks so that data and trained
models are built once) and returns an :class:`Outcome`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dl2lab.answers.statements import BY_ID, STATEMENTS, Statement
from dl2lab.errors import Dl2labError

logger = logging.getLogger(__name__)

VERDICTS = ("True", "False", "depends")


@dataclass
class Outcome:
    """What a check found.

    Attributes:
        verdict: ``"True"``, ``"False"`` or ``"depends"``.
        evidence: Named numbers (or short strings) the verdict rests on.
        reasoning: Two or three sentences from the evidence to the verdict.
        condition: For ``"depends"``: when it is true.
        figure: A PNG written by the check, if a picture helps.
    """

    verdict: str
    evidence: dict[str, float | int | str]
    reasoning: str
    condition: str | None = None
    figure: Path | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}; got {self.verdict!r}")


@dataclass
class Finding:
    """A statement, how it was checked, and the outcome."""

    statement: Statement
    kind: str
    outcome: Outcome
    seconds: float

    @property
    def disagrees_with_exam(self) -> bool:
        """True when the exam filled in an answer that the evidence contradicts.

        A "depends" verdict counts as a disagreement only when the exam gave an
        unconditional answer; the report marks it as qualified instead.
        """
        answer = self.statement.exam_answer
        if answer is None or self.outcome.verdict == "depends":
            return False
        return (self.outcome.verdict == "True") != answer


@dataclass
class Context:
    """Shared settings and cache for one run of the checks.

    Attributes:
        quick: Smaller experiments (for tests); verdicts should not change.
        seed: Seed of every experiment.
        figure_dir: Where checks write figures, or None for no figures.
        cache: Objects shared between checks (data, trained models).
    """

    quick: bool = False
    seed: int = 0
    figure_dir: Path | None = None
    cache: dict = field(default_factory=dict)

    def cached(self, key: str, build: Callable[[], object]):
        """Return ``cache[key]``, building it with ``build()`` the first time."""
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    def figure_path(self, statement_id: str) -> Path | None:
        """Where the figure of ``statement_id`` goes, or None if not wanted."""
        if self.figure_dir is None:
            return None
        self.figure_dir.mkdir(parents=True, exist_ok=True)
        return self.figure_dir / f"{statement_id.replace('.', '-')}.png"


CheckFn = Callable[[Context], Outcome]
CHECKS: dict[str, tuple[str, CheckFn]] = {}


def check(statement_id: str, kind: str) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check of ``statement_id``.

    Args:
        statement_id: An id of :data:`~dl2lab.answers.statements.STATEMENTS`.
        kind: ``"inspection"`` (shapes, parameter counts) or ``"experiment"``.
    """
    if statement_id not in BY_ID:
        raise ValueError(f"no statement {statement_id!r}")
    if kind not in ("inspection", "experiment"):
        raise ValueError(f"kind must be inspection or experiment; got {kind!r}")

    def decorate(fn: CheckFn) -> CheckFn:
        CHECKS[statement_id] = (kind, fn)
        return fn

    return decorate


def _load_checks() -> None:
    # Importing the modules registers their checks.
    from dl2lab.answers import (  # noqa: F401
        exercise1,
        exercise32,
        exercise34,
        exercise42,
        exercise43,
    )


def run_checks(ids: list[str] | None = None, context: Context | None = None):
    """Run the checks of ``ids`` (all statements when None), in exam order.

    Args:
        ids: Statement ids such as ``"4.2.6"``; a section id such as ``"4.2"``
            selects the whole section.
        context: Settings and cache; a default one is made when None.

    Returns:
        A list of :class:`Finding`, one per statement run.

    Raises:
        Dl2labError: If an id names no statement or section.
    """
    _load_checks()
    context = context or Context()
    wanted = _select(ids)
    findings = []
    for statement in wanted:
        kind, fn = CHECKS[statement.id]
        logger.info("checking %s: %s", statement.id, statement.text)
        start = time.perf_counter()
        outcome = fn(context)
        findings.append(Finding(statement, kind, outcome, time.perf_counter() - start))
    return findings


def _select(ids: list[str] | None) -> list[Statement]:
    if not ids:
        return [s for s in STATEMENTS if s.id in CHECKS]
    chosen = []
    for wanted in ids:
        matches = [s for s in STATEMENTS if s.id == wanted or s.section == wanted]
        if not matches:
            known = ", ".join(s.id for s in STATEMENTS)
            raise Dl2labError(
                f"`--only` got {wanted!r}, which names no statement or section; "
                f"expected a section (1, 3.2, 3.4, 4.2, 4.3) or one of: {known}"
            )
        chosen.extend(m for m in matches if m not in chosen)
    missing = [s.id for s in chosen if s.id not in CHECKS]
    if missing:
        raise Dl2labError(f"no check is registered for {', '.join(missing)}")
    order = {s.id: i for i, s in enumerate(STATEMENTS)}
    return sorted(chosen, key=lambda s: order[s.id])

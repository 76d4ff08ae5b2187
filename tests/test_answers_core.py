"""The answer key's framework: statement table, selection, report, command."""

import subprocess
import sys

import pytest

from dl2lab.answers.core import Context, Finding, Outcome, run_checks
from dl2lab.answers.report import render
from dl2lab.answers.statements import STATEMENTS
from dl2lab.errors import Dl2labError


def test_the_exam_has_33_statements_in_five_sections():
    sections = [s.section for s in STATEMENTS]
    assert len(STATEMENTS) == 33
    assert {sec: sections.count(sec) for sec in set(sections)} == {
        "1": 7, "3.2": 6, "3.4": 5, "4.2": 8, "4.3": 7,
    }  # fmt: skip
    # Exercise 1 and 3.2 are filled in; 3.4 to 4.3 are left as "T/F".
    filled = {s.section for s in STATEMENTS if s.exam_answer is not None}
    assert filled == {"1", "3.2"}
    assert STATEMENTS[6].exam_answer is False  # over-parameterised: exam says F


def test_only_rejects_unknown_ids_with_the_list_of_sections():
    with pytest.raises(Dl2labError) as info:
        run_checks(["9.9"], Context(quick=True))
    message = str(info.value)
    assert "`--only` got '9.9', which names no statement or section" in message
    assert "(1, 3.2, 3.4, 4.2, 4.3)" in message


def test_disagreement_is_flagged_only_against_a_filled_in_answer():
    s_filled = STATEMENTS[0]  # exam: T
    s_open = STATEMENTS[13]  # 3.4.1, exam: T/F

    def finding(s, verdict):
        return Finding(s, "experiment", Outcome(verdict, {}, "why"), 0.0)

    assert finding(s_filled, "False").disagrees_with_exam
    assert not finding(s_filled, "True").disagrees_with_exam
    assert not finding(s_filled, "depends").disagrees_with_exam
    assert not finding(s_open, "False").disagrees_with_exam


def test_outcome_rejects_an_unknown_verdict():
    with pytest.raises(ValueError, match="verdict must be one of"):
        Outcome("maybe", {}, "")


def test_report_has_summary_sections_and_relative_figures(tmp_path):
    context = Context(quick=True, figure_dir=tmp_path / "report_files")
    findings = run_checks(["1.1", "1.2"], context)
    text = render(findings, tmp_path / "report.md", quick=True, seed=0)
    assert text.count("\n## ") == 2
    assert "| 1.1 | Bad choice of optimization parameters" in text
    assert "![1.2](report_files/1-2.png)" in text
    assert (tmp_path / "report_files" / "1-2.png").stat().st_size > 1000
    assert "contradicts the exam's filled-in answer: none." in text


def test_cli_writes_the_report_and_prints_the_table(tmp_path):
    out = tmp_path / "key" / "report.md"
    result = subprocess.run(
        [sys.executable, "-m", "dl2lab", "answers", "--quick", "--only", "1.2",
         "--out", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "| 1.2 | Decreasing the minibatch size" in result.stdout
    assert out.read_text().startswith("# The exam's True/False statements")
    bad = subprocess.run(
        [sys.executable, "-m", "dl2lab", "answers", "--only", "5.1", "--out",
         str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "names no statement or section" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_cli_rejects_a_negative_seed_and_keeps_nothing(tmp_path):
    out = tmp_path / "key" / "report.md"
    result = subprocess.run(
        [sys.executable, "-m", "dl2lab", "answers", "--seed", "-1", "--out", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert "`--seed` must be an integer >= 0; got -1" in result.stderr
    assert not (tmp_path / "key").exists()

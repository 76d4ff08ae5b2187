"""``dl2lab text clean`` and ``dl2lab text vocab``: options, encodings, errors."""

import io
import json
import subprocess
import sys
import types

import pytest

from dl2lab.cli import main
from dl2lab.text.vocab import Vocabulary


def run(monkeypatch, capsysbinary, argv, data: bytes):
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(data)))
    status = main(argv)
    out, err = capsysbinary.readouterr()
    return status, out.decode("utf-8"), err.decode("utf-8")


def test_one_json_list_per_line_with_crlf_and_empty_lines(monkeypatch, capsysbinary):
    data = "Great &amp; #BigWin!\r\n\nThe 👍🏽 @x\n".encode()
    status, out, _ = run(monkeypatch, capsysbinary, ["text", "clean"], data)
    assert status == 0
    lines = out.splitlines()
    assert [json.loads(line) for line in lines] == [
        ["great", "big", "win"],
        [],
        ["👍🏽", "<user>"],
    ]


def test_options_mirror_the_steps(monkeypatch, capsysbinary):
    argv = [
        "text", "clean", "--no-casefold", "--urls", "keep", "--hashtags", "keep",
        "--emoji", "words", "--numbers", "drop", "--stopwords", "none",
        "--word-form", "keep", "--max-repeat", "1", "--punctuation", "keep",
    ]  # fmt: skip
    data = "Sooo #MAGA 45 ❤ http://t.co/Ab!".encode()
    status, out, _ = run(monkeypatch, capsysbinary, argv, data)
    assert status == 0
    assert json.loads(out) == ["So", "#MAGA", "red", "heart", "http://t.co/Ab", "!"]


def test_bad_utf8_names_the_line_and_writes_nothing(monkeypatch, capsysbinary):
    data = b"fine\nalso fine\nbad \xff byte\n"
    status, out, err = run(monkeypatch, capsysbinary, ["text", "clean"], data)
    assert status == 2
    assert out == ""
    assert "stdin line 3 is not valid UTF-8 (byte 0xff at column 5)" in err
    assert "--errors replace" in err


def test_errors_replace_decodes_with_the_replacement_character(
    monkeypatch, capsysbinary
):
    argv = ["text", "clean", "--errors", "replace", "--punctuation", "keep"]
    status, out, _ = run(monkeypatch, capsysbinary, argv, b"caf\xe9 ok\n")
    assert status == 0
    assert json.loads(out) == ["caf", "\ufffd", "ok"]


def test_bad_option_value_is_a_clean_error(monkeypatch, capsysbinary):
    argv = ["text", "clean", "--max-repeat", "-1"]
    status, _, err = run(monkeypatch, capsysbinary, argv, b"x\n")
    assert status == 2
    assert "`max_repeat` must be an integer >= 0 (0 = off); got -1" in err


def test_input_output_files_and_trace(tmp_path, monkeypatch, capsysbinary):
    source = tmp_path / "in.txt"
    source.write_text("Sooo &amp; #BigWin\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    argv = ["text", "clean", "--input", str(source), "--output", str(target)]
    assert main(argv) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == ["soo", "big", "win"]
    status, out, _ = run(
        monkeypatch, capsysbinary, ["text", "clean", "--trace"], b"Sooo &amp; x\n"
    )
    assert status == 0
    assert 'html        "Sooo & x"' in out
    assert "(unchanged)" in out
    missing = tmp_path / "missing.txt"
    status, _, err = run(
        monkeypatch, capsysbinary, ["text", "clean", "--input", str(missing)], b""
    )
    assert status == 2 and f"--input file '{missing}' cannot be read" in err


def test_vocab_command_writes_a_loadable_vocabulary_with_its_config(
    tmp_path, monkeypatch, capsysbinary
):
    target = tmp_path / "vocab.json"
    argv = ["text", "vocab", "--output", str(target), "--max-words", "2"]
    data = b"wall wall wall\nborder border\nmexico\n"
    status, out, _ = run(monkeypatch, capsysbinary, argv, data)
    assert status == 0 and "2 words + 2 reserved" in out
    vocab = Vocabulary.load(target)
    assert vocab.tokens == ["<pad>", "<unk>", "wall", "border"]
    # The stored cleaning settings can be reused with --config.
    argv = ["text", "clean", "--config", str(target)]
    status, out, _ = run(monkeypatch, capsysbinary, argv, b"Walls\n")
    assert json.loads(out) == ["wall"]


def test_the_installed_command_runs_in_a_fresh_process():
    result = subprocess.run(
        [sys.executable, "-m", "dl2lab", "text", "clean", "--word-form", "keep"],
        input="Über COOL 👍\n".encode(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout.decode("utf-8")) == ["über", "cool", "👍"]


@pytest.mark.parametrize("flag", ["--html", "--no-normalize", "--emoji"])
def test_help_lists_every_step(flag, capsys):
    with pytest.raises(SystemExit):
        main(["text", "clean", "--help"])
    assert flag in capsys.readouterr().out

"""``dl2lab text``: clean tweets from the command line, build a vocabulary."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from dl2lab.text.config import CHOICES, STEPS, CleanConfig

_DEFAULTS = CleanConfig()
_BOOL_HELP = {
    "html": "remove HTML tags, then decode entities such as &amp;",
    "normalize": "Unicode NFKC normalisation (symbols and emoji kept)",
    "casefold": "case-fold words, mentions, hashtags (beyond ASCII: ß -> ss)",
}
_CHOICE_HELP = {
    "urls": "links: <url>, dropped, or kept",
    "mentions": "@handles: <user>, dropped, or kept",
    "hashtags": "#tags: their words (CamelCase split), <hashtag>, dropped, kept",
    "emoji": "emoji and emoticons: one token each, dropped, or their names",
    "punctuation": "punctuation and symbol tokens",
    "numbers": "numbers: <num>, dropped, or kept",
    "stopwords": "stopword list (sklearn: scikit-learn ENGLISH_STOP_WORDS)",
    "word_form": "Snowball stem, WordNet lemma (not POS-aware), or unchanged",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``text`` command group (``clean``, ``vocab``)."""
    parser = subparsers.add_parser(
        "text",
        help="tweet preprocessing and vocabulary (Ex. 3.1)",
        description="Tweet preprocessing: cleaning, tokenising, vocabulary.",
    )
    commands = parser.add_subparsers(dest="text_command", metavar="COMMAND")
    parser.set_defaults(func=lambda args: _usage(parser))

    clean = commands.add_parser(
        "clean",
        help="clean lines of text into JSON token lists",
        description=(
            "Read one text per line (UTF-8) and write one JSON list of tokens "
            "per line. The steps run in this fixed order: "
            f"{', '.join(STEPS[:2])}, tokenise, {', '.join(STEPS[2:])}; each "
            "option below switches or sets one of them."
        ),
    )
    _add_io(clean)
    _add_steps(clean)
    clean.add_argument(
        "--trace",
        action="store_true",
        help="show the result after each step instead of the JSON lists",
    )
    clean.set_defaults(func=run_clean)

    vocab = commands.add_parser(
        "vocab",
        help="build a vocabulary (JSON) from lines of text",
        description=(
            "Clean one text per line, count the tokens and write the vocabulary "
            "(ids 0 = <pad>, 1 = <unk>, then words by frequency) as JSON."
        ),
    )
    _add_io(vocab, output_required=True)
    _add_steps(vocab)
    vocab.add_argument(
        "--max-words", type=int, default=20_000, help="real words kept; 20000"
    )
    vocab.add_argument(
        "--min-count", type=int, default=1, help="drop rarer words; default 1"
    )
    vocab.set_defaults(func=run_vocab)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _add_io(parser: argparse.ArgumentParser, output_required: bool = False) -> None:
    parser.add_argument(
        "--input", metavar="FILE", help="read this file instead of stdin"
    )
    parser.add_argument(
        "--output",
        metavar="FILE",
        required=output_required,
        help="write this file (atomically)"
        + ("" if output_required else " instead of stdout"),
    )
    parser.add_argument(
        "--errors",
        choices=("strict", "replace"),
        default="strict",
        help="input that is not UTF-8: stop with the line number (strict, "
        "default) or decode it with U+FFFD (replace)",
    )


def _add_steps(parser: argparse.ArgumentParser) -> None:
    steps = parser.add_argument_group("cleaning steps")
    steps.add_argument("--config", metavar="FILE.json", help="start from this config")
    for name in STEPS:
        flag = "--" + name.replace("_", "-")
        default = getattr(_DEFAULTS, name)
        if name in _BOOL_HELP:
            steps.add_argument(
                flag,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=f"{_BOOL_HELP[name]} (default: {'on' if default else 'off'})",
            )
        elif name == "max_repeat":
            steps.add_argument(
                flag,
                type=int,
                metavar="N",
                default=None,
                help="cut a letter repeated 3+ times to N copies, 0 = off "
                f"(default: {default}; soooo -> soo)",
            )
        else:
            steps.add_argument(
                flag,
                choices=CHOICES[name],
                default=None,
                help=f"{_CHOICE_HELP[name]} (default: {default})",
            )
    steps.add_argument(
        "--wordnet-from",
        metavar="DIR",
        help="folder holding wordnet-base_*.deb for --word-form lemma on a "
        "machine without apt",
    )


def _config(args: argparse.Namespace) -> CleanConfig:
    from dl2lab.errors import Dl2labError

    config = _DEFAULTS
    if args.config:
        path = Path(args.config)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Dl2labError(
                f"--config file {str(path)!r} is not readable JSON: {exc}"
            ) from None
        if isinstance(data, dict) and isinstance(data.get("clean"), dict):
            data = data["clean"]  # the settings stored in a vocabulary file
        config = CleanConfig.from_dict(data)
    given = {
        name: getattr(args, name)
        for name in STEPS
        if getattr(args, name, None) is not None
    }
    return dataclasses.replace(config, **given)


def read_lines(data: bytes, source: str, errors: str = "strict") -> list[str]:
    """Split ``data`` into lines and decode each as UTF-8.

    Args:
        data: The raw input.
        source: Its name for messages (``stdin`` or the file name).
        errors: ``"strict"`` or ``"replace"`` (U+FFFD for bad bytes).

    Returns:
        The lines without their ``\\n`` or ``\\r\\n`` ending.

    Raises:
        Dl2labError: Naming the line and column, for bad UTF-8 under strict.
    """
    from dl2lab.errors import Dl2labError

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a byte order mark is not part of the first text
    pieces = data.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()
    lines = []
    for number, piece in enumerate(pieces, start=1):
        if piece.endswith(b"\r"):
            piece = piece[:-1]
        try:
            lines.append(piece.decode("utf-8", errors))
        except UnicodeDecodeError as exc:
            raise Dl2labError(
                f"{source} line {number} is not valid UTF-8 (byte "
                f"0x{piece[exc.start]:02x} at column {exc.start + 1}); expected "
                "UTF-8 text, or pass --errors replace to decode bad bytes as U+FFFD"
            ) from None
    return lines


def _read(args: argparse.Namespace) -> list[str]:
    from dl2lab.errors import Dl2labError

    if args.input:
        path = Path(args.input)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise Dl2labError(
                f"--input file {str(path)!r} cannot be read: {exc.strerror}"
            ) from None
        return read_lines(data, f"--input file {str(path)!r}", args.errors)
    return read_lines(sys.stdin.buffer.read(), "stdin", args.errors)


def _cleaner(args: argparse.Namespace):
    from dl2lab.text.clean import Cleaner

    config = _config(args)
    if config.word_form == "lemma":
        from dl2lab.text.morph import wordnet_dir

        wordnet_dir(from_dir=args.wordnet_from)
    return Cleaner(config)


def _write(args: argparse.Namespace, text: str) -> None:
    if args.output:
        from dl2lab.atomic import write_text

        write_text(args.output, text)
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()


def run_clean(args: argparse.Namespace) -> int:
    """Execute ``dl2lab text clean``."""
    # Read and decode everything first: bad input then writes nothing at all.
    lines = _read(args)
    cleaner = _cleaner(args)
    if args.trace:
        from dl2lab.text.clean import trace

        blocks = []
        for line in lines:
            rows, previous = [], None
            for step, result in trace(line, cleaner.config):
                shown = json.dumps(result, ensure_ascii=False)
                mark = "  (unchanged)" if result == previous else ""
                rows.append(f"{step:<12}{shown}{mark}")
                previous = result
            blocks.append("\n".join(rows) + "\n")
        _write(args, "\n".join(blocks))
        return 0
    out = [json.dumps(tokens, ensure_ascii=False) for tokens in cleaner.batch(lines)]
    _write(args, "".join(line + "\n" for line in out))
    return 0


def run_vocab(args: argparse.Namespace) -> int:
    """Execute ``dl2lab text vocab``."""
    from dl2lab.text.vocab import Vocabulary

    lines = _read(args)
    cleaner = _cleaner(args)
    token_lists = cleaner.batch(lines)
    vocab = Vocabulary.build(
        token_lists, max_words=args.max_words, min_count=args.min_count
    )
    data = vocab.to_dict()
    data["clean"] = cleaner.config.to_dict()
    from dl2lab.atomic import write_text

    write_text(args.output, json.dumps(data, ensure_ascii=False, indent=0) + "\n")
    print(
        f"wrote {args.output}: {len(vocab.words)} words + {len(vocab.reserved)} "
        f"reserved (ids 0 = <pad>, 1 = <unk>); coverage of the input "
        f"{vocab.coverage(token_lists):.1%}"
    )
    return 0

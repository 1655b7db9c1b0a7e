"""CSV and JSONL reading: delimiters, encodings, headers, the column guess, JSONL shapes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from engine.contract.errors import ErrorKind
from engine.data.tabular import sniff_delimiter
from tests.data.conftest import LINES, expect_error, prepare


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    # Every cell holds the other candidate delimiters, so only the real one splits evenly.
    rows = [["prompt", "text"]] + [
        [f"Write post {i}; a, b | c", f"{line} Also: one, two; three | four."]
        for i, line in enumerate(LINES)
    ]
    path = write_csv(tmp_path / "posts.csv", rows, delimiter)
    prepared = prepare(path, heldout_fraction=0.0)
    info = prepared.report.files[0]
    assert info.delimiter == delimiter
    assert info.columns == ("prompt", "text")
    assert [e.prompt for e in prepared.train] == [r[0] for r in rows[1:]]
    assert prepared.train[0].response.startswith(LINES[0])


def test_excel_sep_line(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text(
        "sep=|\ntext|likes\n" + "".join(f"{line}|3\n" for line in LINES), encoding="utf-8"
    )
    prepared = prepare(path, heldout_fraction=0.0)
    assert prepared.report.files[0].delimiter == "|"
    assert prepared.report.files[0].columns == ("text", "likes")
    assert prepared.train[0].response == LINES[0]


def test_sniffer_fallback_on_single_column() -> None:
    assert sniff_delimiter("text\nhello there\nanother line\n") == ","
    assert sniff_delimiter("a\tb\n1\t2\n", ".tsv") == "\t"


ACCENTED = "Café crème — “smoky” oolong, naïve señor, 90°C."


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),  # little-endian with a BOM, as Excel writes "Unicode text"
        ("utf-16-be-bom", "utf-16"),
        ("utf-16-le", "utf-16-le"),  # no BOM: told apart by where the zero bytes fall
        ("cp1252", "cp1252"),
    ],
)
def test_encodings(tmp_path: Path, encoding: str, expected: str) -> None:
    rows = [["text"]] + [[f"{ACCENTED} {line}"] for line in LINES]
    text = "".join(f'"{r[0]}"\r\n' for r in rows)
    if encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    else:
        data = text.encode(encoding)
    path = tmp_path / "accents.csv"
    path.write_bytes(data)
    prepared = prepare(path, heldout_fraction=0.0)
    assert prepared.report.files[0].encoding == expected
    responses = {e.response for e in prepared.train}
    assert f"{ACCENTED} {LINES[0]}" in responses
    assert not any("\ufeff" in r or "\ufffd" in r for r in responses)


def test_prompt_and_system_columns_are_guessed(tmp_path: Path) -> None:
    rows = [["ID", "Instruction", "Brand guidelines", "Output"]] + [
        [str(i), f"Write about tea {i}", "Warm and wry.", line] for i, line in enumerate(LINES)
    ]
    rows[0][2] = "System"
    path = write_csv(tmp_path / "brief.csv", rows)
    mapping = prepare(path).report.mapping
    assert mapping is not None
    assert (mapping.text, mapping.prompt, mapping.system) == ("Output", "Instruction", "System")
    assert mapping.mode == "answer" and mapping.guessed
    assert "Output" in mapping.reason


def test_text_column_guessed_from_content(tmp_path: Path) -> None:
    rows = [["date", "likes", "words"]] + [
        [f"2026-01-{i + 1:02d}", str(i * 10), line] for i, line in enumerate(LINES)
    ]
    prepared = prepare(write_csv(tmp_path / "export.csv", rows))
    mapping = prepared.report.mapping
    assert mapping is not None and mapping.text == "words" and mapping.mode == "prose"
    assert "longest" in mapping.reason
    # Text-only rows give a prose example and an answer example with a derived prompt.
    examples = prepared.train + prepared.heldout
    assert sum(e.is_prose for e in examples) == len(LINES)
    assert all(
        e.prompt and e.prompt.startswith("Write a piece") for e in examples if not e.is_prose
    )


def test_file_without_header(tmp_path: Path) -> None:
    rows = [[line] for line in LINES]
    prepared = prepare(write_csv(tmp_path / "plain.csv", rows), heldout_fraction=0.0)
    assert prepared.report.files[0].columns == ("column 1",)
    assert len({e.response for e in prepared.train}) == len(LINES)


def test_chosen_columns_win_and_missing_ones_are_named(tmp_path: Path) -> None:
    rows = [["a", "b"]] + [[f"Request number {i}", line] for i, line in enumerate(LINES)]
    path = write_csv(tmp_path / "ab.csv", rows)
    prepared = prepare(path, text_column="b", prompt_column="a", heldout_fraction=0.0)
    assert prepared.train[0].prompt == "Request number 0"
    assert prepared.report.mapping is not None and not prepared.report.mapping.guessed
    error = expect_error(ErrorKind.BAD_CONFIG, path, text_column="body")
    assert "'a', 'b'" in error.message


def test_jsonl_shapes(tmp_path: Path) -> None:
    chat = tmp_path / "chat.jsonl"
    chat.write_text(
        "\n".join(
            json.dumps(obj)
            for obj in [
                {
                    "messages": [
                        {"role": "system", "content": "You write for Foghorn Tea."},
                        {"role": "user", "content": "Write a tagline for Low Tide."},
                        {"role": "assistant", "content": LINES[2]},
                        {"role": "user", "content": [{"type": "text", "text": "And Night Watch?"}]},
                        {"role": "assistant", "content": LINES[3]},
                    ]
                },
                {"messages": [{"role": "user", "content": "Hi"}]},
            ]
        )
        + "\nnot json at all\n",
        encoding="utf-8",
    )
    prepared = prepare(chat, heldout_fraction=0.0)
    # One example per conversation, kept whole: its last reply, and the turns before it.
    assert [(e.prompt, e.response, e.system, e.history) for e in prepared.train] == [
        (
            "And Night Watch?",
            LINES[3],
            "You write for Foghorn Tea.",
            (("user", "Write a tagline for Low Tide."), ("assistant", LINES[2])),
        ),
    ]
    assert prepared.train[0].replies == 2
    info = prepared.report.files[0]
    assert info.kind == "jsonl" and info.rows_read == 3 and info.dropped == {"unreadable": 2}

    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        "\n".join(
            json.dumps({"prompt": f"Blurb {i}", "completion": line}) for i, line in enumerate(LINES)
        ),
        encoding="utf-8",
    )
    prepared = prepare(pairs, heldout_fraction=0.0)
    assert prepared.train[1].prompt == "Blurb 1" and prepared.train[1].response == LINES[1]

    alpaca = tmp_path / "alpaca.jsonl"
    alpaca.write_text(
        json.dumps({"instruction": "Write a sign", "input": "for the door", "output": LINES[0]}),
        encoding="utf-8",
    )
    assert prepare(alpaca).train[0].prompt == "Write a sign\n\nfor the door"

    plain = tmp_path / "plain.jsonl"
    plain.write_text("\n".join(json.dumps({"text": line}) for line in LINES), encoding="utf-8")
    examples = prepare(plain, heldout_fraction=0.0).train
    assert examples[0].is_prose and examples[0].response == LINES[0]


def test_request_column_chosen_alone_guesses_only_the_writing(tmp_path: Path) -> None:
    rows = [["topic", "notes", "copy"]] + [
        [f"Tea {i}", "internal", line] for i, line in enumerate(LINES)
    ]
    path = write_csv(tmp_path / "sheet.csv", rows)
    mapping = prepare(path, prompt_column="topic").report.mapping
    assert mapping is not None
    assert (mapping.text, mapping.prompt, mapping.mode) == ("copy", "topic", "answer")

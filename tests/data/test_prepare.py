"""prepare_examples end to end: cleaning, held-out split, manifest, redaction, bad inputs,
and the promise that the user's files are never touched."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
from pathlib import Path

import pytest

from engine.contract.data_report import DataPreview
from engine.contract.errors import ErrorKind
from engine.data.examples import Example
from engine.data.prepare import split_heldout
from tests.data.conftest import LINES, SAMPLES, expect_error, fingerprint, prepare


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_cleaning_counts_every_reason(tmp_path: Path) -> None:
    rows = [
        [" Write a blurb ", f"  {LINES[0]}  \r\n\r\n\r\n  second line  "],
        ["Write a blurb", f"{LINES[0]}\n\n  second line"],  # the same after cleaning
        ["Write a post", "   "],
        ["Write a post", "Too short."],
        ["Write a saga", "word " * 3000],  # an answer too long to split
        ["", LINES[1]],  # no request: prose
    ]
    prepared = prepare(write_rows(tmp_path / "mixed.csv", ["prompt", "text"], rows))
    info = prepared.report.files[0]
    assert info.rows_read == 6 and info.rows_kept == 2
    assert info.dropped == {"empty": 1, "too_short": 1, "too_long": 1, "duplicate": 1}
    examples = prepared.train + prepared.heldout
    first = next(e for e in examples if e.prompt == "Write a blurb")
    assert first.response == f"{LINES[0]}\n\n  second line"  # indentation is kept
    readiness = prepared.report.readiness
    assert (readiness.duplicates, readiness.empty, readiness.too_short, readiness.too_long) == (
        1, 1, 1, 1,
    )  # fmt: skip
    assert readiness.level == "too_few" and "at least 50" in readiness.verdict


def test_long_prose_rows_are_split_not_dropped(tmp_path: Path) -> None:
    long_text = "\n\n".join(" ".join(LINES) for _ in range(20))
    prepared = prepare(
        write_rows(tmp_path / "long.csv", ["text"], [[long_text]]), max_example_tokens=256
    )
    examples = prepared.train + prepared.heldout
    assert prepared.report.readiness.split_long == 1
    assert len(examples) > 4 and all(len(e.response) // 4 <= 256 for e in examples)


def test_heldout_split_is_stable_and_keeps_twins_together() -> None:
    examples = [Example(f"piece {i} " + LINES[i % 7], None, None, f"s:{i}") for i in range(40)]
    examples += [Example(e.response, "Write it.", None, e.source) for e in examples]
    train, held = split_heldout(examples, 0.1, seed=42)
    assert (train, held) == split_heldout(list(examples), 0.1, seed=42)
    assert len(held) == 8 and len(train) == 72
    assert {e.response for e in held}.isdisjoint({e.response for e in train})
    _, other = split_heldout(examples, 0.1, seed=7)
    assert other != held
    # Adding examples moves few of the old ones across (hash-based, not position-based).
    more = [*examples, *(Example(f"extra {i}", None) for i in range(10))]
    _, held_more = split_heldout(more, 0.1, seed=42)
    assert len({e.response for e in held} & {e.response for e in held_more}) >= 3
    assert len(split_heldout(examples[:5], 0.1, 42)[1]) == 1
    assert split_heldout(examples[:4], 0.1, 42)[1] == []
    assert split_heldout(examples, 0.0, 42)[1] == []


def test_manifest_records_hashes_counts_and_rights(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "posts.csv", ["text"], [[line] for line in LINES] + [["x"]])
    prepared = prepare(path, rights="i_wrote_it")
    entry = prepared.manifest["files"][0]
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry["size_bytes"] == path.stat().st_size
    assert (entry["rows_read"], entry["rows_kept"], entry["rows_dropped"]) == (
        8,
        7,
        {"too_short": 1},
    )
    assert entry["rights"] == "i_wrote_it" and prepared.manifest["rights"] == "i_wrote_it"
    assert prepared.manifest["train_examples"] == len(prepared.train)
    json.dumps(prepared.manifest)  # plain JSON, ready for data-manifest.json
    assert prepared.report.files[0].sha256 == entry["sha256"]


def test_personal_data_is_found_masked_and_redacted(tmp_path: Path) -> None:
    rows = [[f"{line} Write to jane.doe@example.com for samples."] for line in LINES]
    path = write_rows(tmp_path / "pii.csv", ["text"], rows)
    found = prepare(path).report
    email = next(f for f in found.pii if f.kind == "email")
    assert email.count == len(LINES)  # once per row, though each row gives two examples
    assert not email.redacted and all("jane.doe@example.com" not in s for s in email.samples)
    assert "j***.d**@e******.c**" in email.samples[0]
    assert found.pii_rows_checked == found.pii_rows_total == len(LINES)

    prepared = prepare(path, redact=("email",))
    everything = json.dumps(prepared.manifest) + json.dumps(prepared.report.to_dict())
    assert "jane.doe" not in everything.replace("j***.d**", "")
    assert all("[EMAIL]" in e.response for e in prepared.train + prepared.heldout)
    assert prepared.manifest["files"][0]["redactions"] == {"email": len(LINES)}


def test_user_files_are_never_modified(tmp_path: Path) -> None:
    import docx

    csv_path = write_rows(tmp_path / "a.csv", ["text"], [[line] for line in LINES])
    md_path = tmp_path / "b.md"
    md_path.write_text(f"# T\n\n{LINES[0]} mail me: a@b.co", encoding="utf-8")
    document = docx.Document()
    document.add_paragraph(LINES[2])
    docx_path = tmp_path / "c.docx"
    document.save(str(docx_path))
    before = {p: fingerprint(p) for p in (csv_path, md_path, docx_path)}
    prepare(tmp_path, redact=("email",))
    prepare(csv_path, md_path, docx_path)
    assert {p: fingerprint(p) for p in before} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.md", "c.docx"]


def test_one_row_file_works_with_a_warning(tmp_path: Path) -> None:
    prepared = prepare(write_rows(tmp_path / "one.csv", ["prompt", "text"], [["Hi", LINES[0]]]))
    assert len(prepared.train) == 1 and prepared.heldout == []
    warnings = " ".join(prepared.report.readiness.warnings)
    assert "only one usable row" in warnings and "kept aside" in warnings


@pytest.mark.parametrize(
    ("name", "content", "kind", "words"),
    [
        ("empty.csv", b"", ErrorKind.BAD_DATA_FILE, "empty"),
        ("blank.csv", b" \r\n\r\n", ErrorKind.BAD_DATA_FILE, "empty"),
        ("header.csv", b"prompt,text\r\n", ErrorKind.NO_USABLE_ROWS, "no rows"),
        ("numbers.csv", b"id,likes\n1,20\n2,30\n", ErrorKind.BAD_DATA_FILE, "'id', 'likes'"),
        (
            "photo.csv",
            b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
            ErrorKind.BAD_DATA_FILE,
            "image",
        ),
        ("sheet.csv", b"PK\x03\x04" + b"\x00" * 64, ErrorKind.BAD_DATA_FILE, "Excel"),
        ("blob.csv", bytes(range(256)) * 64, ErrorKind.BAD_DATA_FILE, "binary"),
        ("short.csv", b"text\nhi\nyo\n", ErrorKind.NO_USABLE_ROWS, "too short"),
        ("notes.xlsx", b"PK", ErrorKind.BAD_DATA_FILE, "Excel"),
        ("bad.docx", b"not a zip", ErrorKind.BAD_DATA_FILE, "Word"),
        ("empty.md", b"\n\n", ErrorKind.BAD_DATA_FILE, "empty"),
        (
            "array.jsonl",
            b'[\n {"text": "a"},\n {"text": "b"}\n]',
            ErrorKind.NO_USABLE_ROWS,
            "per line",
        ),
    ],
)
def test_bad_inputs_give_typed_plain_errors(
    tmp_path: Path, name: str, content: bytes, kind: ErrorKind, words: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    error = expect_error(kind, path)
    assert words in error.message


def test_undecodable_and_missing(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.txt"
    # Control bytes and undefined code points: no text encoding reads this as writing.
    garbage.write_bytes(bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D, 0x01, 0x02, 0x1B]) * 200)
    error = expect_error(ErrorKind.BAD_DATA_FILE, garbage)
    assert "characters" in error.message or "binary" in error.message
    error = expect_error(ErrorKind.BAD_DATA_FILE, tmp_path / "gone.csv")
    assert "cannot find 'gone.csv'" in error.message


def test_report_round_trips_and_previews_the_samples() -> None:
    prepared = prepare(SAMPLES / "brand_voice.csv", SAMPLES / "prose")
    report = prepared.report
    assert DataPreview.from_dict(json.loads(json.dumps(report.to_dict()))) == report
    assert report.readiness.level == "good"
    assert len(report.preview) == 30 and report.preview[0].source == "brand_voice.csv:2"
    assert report.mapping is not None and report.mapping.mode == "answer"
    assert report.files[0].rows_kept == 150
    heldout = report.readiness.heldout_examples
    assert heldout == len(prepared.heldout) and 0.08 < heldout / report.readiness.examples < 0.15
    assert dataclasses.replace(report, model="m").model == "m"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may read anything"
)
def test_unreadable_file(tmp_path: Path) -> None:
    locked = write_rows(tmp_path / "locked.csv", ["text"], [[LINES[0]]])
    locked.chmod(0)
    try:
        error = expect_error(ErrorKind.BAD_DATA_FILE, locked)
        assert "could not open 'locked.csv'" in error.message
        write_rows(tmp_path / "fine.csv", ["text"], [[LINES[1]]])
        skipped = next(f for f in prepare(tmp_path).report.files if f.path.endswith("locked.csv"))
        assert skipped.skipped
    finally:
        locked.chmod(0o644)

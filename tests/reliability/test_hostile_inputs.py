"""Bad and hostile input files through engine.data.prepare.prepare_examples.

Every file gets a typed EngineError (BAD_DATA_FILE / NO_USABLE_ROWS / BAD_CONFIG) with a plain
sentence, or is read correctly; each within bounded wall time and peak memory growth. The
fuzzed cases are derandomized (the same inputs on every run and machine).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.contract.config import DataSettings
from engine.contract.errors import ErrorKind
from engine.data.prepare import prepare_examples
from tests.reliability.bounds import COUNTS, assert_typed_or_read, measure

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SUFFIXES = [".txt", ".md", ".csv", ".tsv", ".jsonl", ".docx"]
ENCODINGS = ["utf-8", "cp1252", "latin-1", "utf-16", "utf-16-le", "shift_jis", "koi8-r"]
WRITING = (
    "Our spring launch brings three new colours and a battery that lasts the weekend. "
    "Try it in store this Saturday, or order online and it arrives by Monday."
)


def _prepare(*paths: Path) -> object:
    return prepare_examples(DataSettings(sources=tuple(str(p) for p in paths)))


def _check(*paths: Path, seconds: float = 10.0, rss_mb: float = 200.0):
    measured = measure(lambda: _prepare(*paths))
    assert_typed_or_read(measured)
    assert measured.seconds < seconds, f"{paths}: {measured.seconds:.1f} s"
    assert measured.peak_rss_delta_mb < rss_mb, f"{paths}: +{measured.peak_rss_delta_mb:.0f} MB"
    COUNTS["files tried"] += len(paths)
    return measured


# -- fuzzed --------------------------------------------------------------------------------
@FUZZ
@given(data=st.binary(min_size=0, max_size=8192), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("bytes") / f"random{suffix}"
    path.write_bytes(data)
    COUNTS["fuzz cases"] += 1
    _check(path)


@FUZZ
@given(
    pieces=st.lists(
        st.tuples(
            st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300),
            st.sampled_from(ENCODINGS),
        ),
        min_size=1,
        max_size=6,
    ),
    nul_every=st.integers(min_value=0, max_value=50),
    suffix=st.sampled_from([".txt", ".md", ".csv", ".jsonl"]),
)
def test_mixed_encodings_and_nul_bytes(
    tmp_path_factory: pytest.TempPathFactory,
    pieces: list[tuple[str, str]],
    nul_every: int,
    suffix: str,
) -> None:
    """Pieces of text in different encodings glued together, with NUL bytes sprinkled in."""
    data = b"".join(text.encode(enc, errors="replace") for text, enc in pieces)
    data += WRITING.encode("utf-8")
    if nul_every:
        data = b"".join(data[i : i + nul_every] + b"\x00" for i in range(0, len(data), nul_every))
    path = tmp_path_factory.mktemp("mixed") / f"mixed{suffix}"
    path.write_bytes(data)
    COUNTS["fuzz cases"] += 1
    _check(path)


@FUZZ
@given(
    rows=st.lists(st.lists(st.text(max_size=80), min_size=1, max_size=8), min_size=1, max_size=40),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
)
def test_fuzzed_csv_tables(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], delimiter: str, quoting: int
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting)  # type: ignore[arg-type]
    writer.writerow(["text"] + [f"extra {i}" for i in range(1, max(map(len, rows)))])
    for row in rows:
        writer.writerow(row)
    path = tmp_path_factory.mktemp("csv") / "table.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", errors="surrogatepass")
    COUNTS["fuzz cases"] += 1
    _check(path)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)


@FUZZ
@given(lines=st.lists(JSON_VALUES, min_size=1, max_size=30), junk=st.booleans())
def test_fuzzed_jsonl(
    tmp_path_factory: pytest.TempPathFactory, lines: list[object], junk: bool
) -> None:
    text = "\n".join(json.dumps(v) for v in lines) + ("\n{not json" if junk else "")
    path = tmp_path_factory.mktemp("jsonl") / "rows.jsonl"
    path.write_text(text, encoding="utf-8")
    COUNTS["fuzz cases"] += 1
    _check(path)


# -- hostile, one by one -------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".txt", ".md", ".csv", ".jsonl"])
def test_a_5_mb_single_line(tmp_path: Path, suffix: str) -> None:
    words = (WRITING + " ") * (5 * 2**20 // (len(WRITING) + 1))
    text = {".csv": f'text\n"{words}"\n', ".jsonl": json.dumps({"text": words})}.get(suffix, words)
    path = tmp_path / f"one line{suffix}"
    path.write_text(text, encoding="utf-8")
    _check(path, seconds=60, rss_mb=400)


def test_a_million_rows(tmp_path: Path) -> None:
    path = tmp_path / "million.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("text\n")
        for start in range(0, 1_000_000, 10_000):
            handle.write("".join(f"Row {i}: {WRITING}\n" for i in range(start, start + 10_000)))
    measured = _check(path, seconds=120, rss_mb=600)
    info = measured.result.report.files[0]
    assert info.truncated and info.rows_read < 1_000_000, "the read cap must stop early"


def test_a_csv_with_10000_columns(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", *(f"column {i}" for i in range(1, 10_000))])
        for row in range(30):
            writer.writerow([f"{WRITING} ({row})", *(str(i) for i in range(1, 10_000))])
    measured = _check(path, seconds=60, rss_mb=300)
    assert measured.error is None and measured.result.report.files[0].mapping.text == "text"


def test_a_docx_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    """document.xml inflates to 300 MB from about 300 KB: refused from the zip directory."""
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 30_000
            for _ in range(300 * 2**20 // len(block)):
                member.write(block)
    assert path.stat().st_size < 3 * 2**20
    measured = _check(path, seconds=5, rss_mb=50)
    assert measured.error is not None and measured.error.kind == ErrorKind.BAD_DATA_FILE
    assert "larger inside" in measured.error.message


def test_a_real_small_docx_still_reads(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Spring launch", level=1)
    document.add_paragraph(WRITING)
    path = tmp_path / "launch.docx"
    document.save(str(path))
    measured = _check(path)
    assert measured.error is None


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_links_out_of_the_chosen_folder_are_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Private diary entry that must stay out of training.")
    chosen = tmp_path / "chosen"
    (chosen / "sub").mkdir(parents=True)
    (chosen / "inside.txt").write_text(WRITING, encoding="utf-8")
    os.symlink(outside / "secret.txt", chosen / "escape.txt")
    os.symlink(outside, chosen / "sub" / "outside-folder")
    os.symlink(chosen, chosen / "sub" / "loop")
    os.symlink(chosen / "deleted.txt", chosen / "dangling.txt")
    os.symlink(chosen / "inside.txt", chosen / "sub" / "alias.txt")  # inside: fine
    measured = _check(chosen)
    prepared = measured.result
    texts = [e.response for e in prepared.train + prepared.heldout]
    assert texts and not any("diary" in t for t in texts)
    notes = {f.path: f.notes for f in prepared.report.files}
    assert any("outside the chosen folder" in " ".join(n) for n in notes.values()), notes
    assert any("leads nowhere" in " ".join(n) for n in notes.values()), notes


ODD_NAMES = [
    "ñandú café.txt",
    "名前のファイル.md",
    "emoji 🎉 launch.txt",
    "new\nline.txt",
    "-starts-with-dash.txt",
    "semi;colon,comma.txt",
    'quote\'s "double".txt',
    "back\\slash.txt",
    "CON.txt",
    "trailing space .txt",
    ("long " * 48).strip() + ".txt",
    "UPPER.TXT",
]


@pytest.mark.skipif(sys.platform == "win32", reason="several of these names are POSIX-only")
def test_odd_file_names_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "odd names"
    folder.mkdir()
    for number, name in enumerate(ODD_NAMES):
        (folder / name).write_text(f"{WRITING} Piece number {number}.", encoding="utf-8")
    measured = _check(folder)
    prepared = measured.result
    assert measured.error is None
    read = [f for f in prepared.report.files if not f.skipped]
    assert len(read) == len(ODD_NAMES), [f.path for f in prepared.report.files]
    for name in ODD_NAMES:  # each also works chosen on its own
        _check(folder / name)


def test_report_counts() -> None:
    """Runs last in this module: prints the figures the reliability note quotes."""
    print(f"\nhostile inputs: {dict(COUNTS)}")
    assert COUNTS["fuzz cases"] >= 200

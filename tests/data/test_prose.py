"""Prose: .txt / .md / .docx reading, paragraph-aware chunking, derived prompts, folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.contract.errors import ErrorKind
from engine.data.chunking import chunk_paragraphs, derived_prompt, estimate_tokens
from engine.data.prose import chunk_budget
from tests.data.conftest import LINES, expect_error, prepare


def paragraph(i: int, sentences: int = 6) -> str:
    return " ".join(f"{LINES[(i + k) % len(LINES)]}" for k in range(sentences))


def test_chunks_keep_paragraphs_whole_and_fit_the_budget() -> None:
    paragraphs = [paragraph(i) for i in range(12)]
    budget = 300
    chunks = chunk_paragraphs(paragraphs, budget, estimate_tokens)
    assert len(chunks) > 1
    assert all(estimate_tokens(c) <= budget for c in chunks)
    # Nothing lost, nothing reordered, no paragraph cut in two.
    assert "\n\n".join(chunks) == "\n\n".join(paragraphs)
    for chunk in chunks:
        assert all(p in paragraphs for p in chunk.split("\n\n"))


def test_an_over_long_paragraph_is_split_at_sentences_then_words() -> None:
    long_paragraph = paragraph(0, sentences=60)
    chunks = chunk_paragraphs([long_paragraph], 100, estimate_tokens)
    assert len(chunks) > 5 and all(estimate_tokens(c) <= 100 for c in chunks)
    assert all(c.endswith((".", "!", "?")) for c in chunks[:-1])  # cut at sentence ends
    assert " ".join(chunks) == long_paragraph
    blob = "x" * 5000
    pieces = chunk_paragraphs([blob], 64, estimate_tokens)
    assert "".join(pieces) == blob and all(estimate_tokens(p) <= 64 for p in pieces)


def test_a_real_token_counter_is_used_when_given(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("\n\n".join(paragraph(i) for i in range(20)), encoding="utf-8")
    calls: list[str] = []

    def count_words(text: str) -> int:
        calls.append(text)
        return len(text.split())

    from engine.contract.config import DataSettings
    from engine.data.prepare import prepare_examples

    settings = DataSettings(sources=(str(words),), max_example_tokens=200)
    prepared = prepare_examples(settings, count_tokens=count_words)
    assert calls
    budget = chunk_budget(200)
    for example in prepared.train + prepared.heldout:
        assert len(example.response.split()) <= budget
    assert not prepared.report.readiness.tokens_estimated


def test_markdown_sections_become_titled_examples(tmp_path: Path) -> None:
    md = tmp_path / "notes.md"
    md.write_text(
        f"# Spring menu\n\n{LINES[0]}\n\n{LINES[1]}\n\n## Harbour walks\n\n{LINES[2]}\n",
        encoding="utf-8",
    )
    prepared = prepare(md, heldout_fraction=0.0)
    prose = [e for e in prepared.train if e.is_prose]
    answers = [e for e in prepared.train if not e.is_prose]
    assert [e.response.split("\n")[0] for e in prose] == ["# Spring menu", "## Harbour walks"]
    assert [e.prompt for e in answers] == [
        "Write a piece titled 'Spring menu'.",
        "Write a piece titled 'Harbour walks'.",
    ]
    assert [e.source for e in prose] == ["notes.md#1", "notes.md#2"]


def test_txt_title_line_and_opening_prompts(tmp_path: Path) -> None:
    titled = tmp_path / "fog.txt"
    titled.write_text(f"Fog season\n\n{LINES[1]}\r\n\r\n\r\n{LINES[2]}", encoding="utf-8")
    answer = next(e for e in prepare(titled).train + prepare(titled).heldout if e.prompt)
    assert answer.prompt == "Write a piece titled 'Fog season'."
    assert "\r" not in answer.response and "\n\n\n" not in answer.response
    assert derived_prompt(LINES[0]).startswith("Write a piece that begins: 'Kettle on? Harbour")
    assert derived_prompt("x", "Fog", part=2) == "Write the next part of the piece titled 'Fog'."


def test_docx_headings_and_paragraphs(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Winter on the harbour", level=1)
    document.add_paragraph(LINES[0])
    document.add_paragraph("")
    document.add_paragraph(LINES[1])
    document.add_heading("What we're drinking", level=2)
    document.add_paragraph(LINES[3])
    document.add_table(rows=1, cols=2).cell(0, 0).text = "Prices"
    path = tmp_path / "winter.docx"
    document.save(str(path))
    prepared = prepare(path, heldout_fraction=0.0)
    assert prepared.report.files[0].kind == "docx"
    assert "Tables" in prepared.report.files[0].notes[0]
    prose = [e.response for e in prepared.train if e.is_prose]
    assert prose == [
        f"Winter on the harbour\n\n{LINES[0]}\n\n{LINES[1]}",
        f"What we're drinking\n\n{LINES[3]}",
    ]
    prompts = [e.prompt for e in prepared.train if not e.is_prose]
    assert prompts[1] == "Write a piece titled 'What we’re drinking'."


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    fake = tmp_path / "report.docx"
    fake.write_text("I am plain text pretending to be Word.", encoding="utf-8")
    error = expect_error(ErrorKind.BAD_DATA_FILE, fake)
    assert "report.docx" in error.message


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_folder_walk_skips_hidden_links_out_and_unsupported(tmp_path: Path) -> None:
    root = tmp_path / "My Writing"
    (root / "sub dir" / "déjà vu").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "café notes (final) #2.txt").write_text(LINES[0], encoding="utf-8")
    (root / "sub dir" / "déjà vu" / "posts; old.md").write_text(LINES[1], encoding="utf-8")
    (root / ".hidden.txt").write_text(LINES[2], encoding="utf-8")
    (root / ".git" / "config.txt").write_text(LINES[3], encoding="utf-8")
    (root / "~$draft.docx").write_bytes(b"lock")
    (root / "brochure.pdf").write_bytes(b"%PDF-1.4")
    (root / "empty.txt").write_text("  \n", encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text(LINES[4], encoding="utf-8")
    (root / "escape.txt").symlink_to(outside)
    (root / "inside-link.txt").symlink_to(root / "café notes (final) #2.txt")
    (root / "loop").symlink_to(root, target_is_directory=True)

    prepared = prepare(root, heldout_fraction=0.0)
    responses = {e.response for e in prepared.train}
    assert responses == {LINES[0], LINES[1]}  # inside-link repeats LINES[0]: a duplicate
    files = {f.path: f for f in prepared.report.files}
    read = {p for p, f in files.items() if not f.skipped}
    assert read == {
        "My Writing/café notes (final) #2.txt",
        "My Writing/inside-link.txt",
        "My Writing/sub dir/déjà vu/posts; old.md",
    }
    assert files["My Writing/inside-link.txt"].dropped == {"duplicate": 1}
    assert "outside the chosen folder" in files["My Writing/escape.txt"].notes[0]
    assert "PDF" in files["My Writing/brochure.pdf"].notes[0].upper()
    assert "empty" in files["My Writing/empty.txt"].notes[0]
    assert files["My Writing/loop"].skipped
    assert not any(".hidden" in p or ".git" in p or "~$" in p for p in files)


def test_folder_with_nothing_readable(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    (tmp_path / "b.xlsx").write_bytes(b"PK")
    error = expect_error(ErrorKind.NO_USABLE_ROWS, tmp_path)
    assert "b.xlsx" in error.detail and "Excel" in error.detail

"""The formats writers and marketers have, read from real files made by their own writers
(openpyxl, odfpy, fpdf2, EbookLib) into the clean text the model learns from."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from engine.contract.errors import ErrorKind
from engine.data.prepare import PreparedData
from engine.data.workbook import _Workbook
from tests.data import makers
from tests.data.conftest import expect_error, fingerprint, prepare


def texts(prepared: PreparedData) -> list[str]:
    return [e.response for e in prepared.train + prepared.heldout]


def joined(prepared: PreparedData) -> str:
    return "\n".join(texts(prepared))


def prompts(prepared: PreparedData) -> set[str]:
    return {e.prompt or "" for e in prepared.train + prepared.heldout}


# -- spreadsheets ---------------------------------------------------------------------------
def test_a_workbook_reads_the_sheet_with_the_writing(tmp_path: Path) -> None:
    path = makers.make_xlsx(tmp_path / "captions.xlsx")
    before = fingerprint(path)
    prepared = prepare(path)
    info = prepared.report.files[0]
    assert info.kind == "xlsx" and info.sheets == ("Summary", "Posts", "Notes")
    assert info.sheet == "Posts" and info.mapping is not None and info.mapping.text == "Caption"
    assert info.rows_read == 12 and info.rows_kept == 12  # the empty row is not a row
    assert "Read the sheet 'Posts', the one of 3 with the most writing." in info.notes
    assert {makers.sentence(n) for n in range(12)} == set(texts(prepared))
    assert prepared.train[0].source.startswith("captions.xlsx:Posts:")
    assert fingerprint(path) == before  # the user's file is only read


def test_a_chosen_sheet_is_read_and_a_missing_one_is_named(tmp_path: Path) -> None:
    path = makers.make_xlsx(tmp_path / "captions.xlsx")
    assert prepare(path, sheet="Posts").report.files[0].sheet == "Posts"
    error = expect_error(ErrorKind.BAD_CONFIG, path, sheet="Archive")
    assert "'Summary', 'Posts', 'Notes'" in error.message


def test_sheet_cells_read_like_the_csv_export(tmp_path: Path) -> None:
    """Dates as ISO text, whole numbers without '.0', formulas never as their source."""
    book = _Workbook(makers.make_xlsx(tmp_path / "captions.xlsx"))
    rows = list(book.rows("Posts"))
    book.close()
    assert rows[0] == ["Date", "Channel", "Caption", "Likes", "Total"]
    assert rows[1][:2] == ["2024-03-01 09:30", "Instagram"] and rows[2][3] == "10"
    # openpyxl saves no calculated value for a formula, so the cell reads as empty, never "=D2*2".
    assert not any(cell.startswith("=") for row in rows for cell in row)
    summary = list(_Workbook(tmp_path / "captions.xlsx").rows("Summary"))
    assert summary[1][0] == "2024-01-01"


def test_an_ods_workbook_reads_like_an_xlsx(tmp_path: Path) -> None:
    prepared = prepare(makers.make_ods(tmp_path / "captions.ods"))
    info = prepared.report.files[0]
    assert info.kind == "ods" and info.sheets == ("Summary", "Posts") and info.sheet == "Posts"
    assert set(texts(prepared)) == {makers.sentence(n) for n in range(8)}


def test_a_damaged_workbook_is_a_typed_error(tmp_path: Path) -> None:
    good = makers.make_xlsx(tmp_path / "good.xlsx").read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good[: len(good) // 2])
    assert "damaged" in expect_error(ErrorKind.BAD_DATA_FILE, cut).message
    fake = tmp_path / "fake.xlsx"
    fake.write_text("Month,Posts\nMarch,3\n", encoding="utf-8")
    assert "not a workbook" in expect_error(ErrorKind.BAD_DATA_FILE, fake).message


# -- PDF ------------------------------------------------------------------------------------
def test_a_pdf_reads_as_clean_paragraphs(tmp_path: Path) -> None:
    prepared = prepare(makers.make_pdf(tmp_path / "brand book.pdf"))
    info = prepared.report.files[0]
    text = joined(prepared)
    assert info.kind == "pdf" and info.rows_kept == 3  # one piece per bookmarked chapter
    assert "Acme Brand Book" not in text and "Page 1 of" not in text and "of 3" not in text
    assert any("running header" in note for note in info.notes)
    assert "feels extraordinary." in text and "extraordi-" not in text
    assert " ".join(set(texts(prepared))).count("(Note ") == 3 * 6 * 4  # no sentence lost
    # Lines are joined into paragraphs (no line break inside one), paragraphs kept apart.
    pieces = texts(prepared)
    for n in (1, 7, 13):
        assert makers.paragraph(n) in text.replace("\n\n", " \n\n ")
    assert all("\n" not in p for piece in pieces for p in piece.split("\n\n"))
    assert "Write a piece titled 'Chapter 2: How we sound'." in prompts(prepared)


def test_a_pdf_without_a_text_layer_says_so(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 150, 200, style="F")  # a scanned page is a picture, no text
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    error = expect_error(ErrorKind.BAD_DATA_FILE, path)
    assert "scanned" in error.message and "OCR" in error.message


def test_a_password_protected_pdf_says_so(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, makers.paragraph(1))
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))
    assert "password" in expect_error(ErrorKind.BAD_DATA_FILE, path).message


def test_a_cut_pdf_is_a_typed_error(tmp_path: Path) -> None:
    data = makers.make_pdf(tmp_path / "book.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 3])
    # pypdf recovers what it can from a cut file; either the pages it found, or a sentence.
    try:
        prepared = prepare(cut)
    except Exception as exc:
        from engine.contract.errors import EngineError

        assert isinstance(exc, EngineError) and exc.kind == ErrorKind.BAD_DATA_FILE
    else:
        assert "Acme Brand Book" not in joined(prepared)


# -- e-books, web pages, documents ----------------------------------------------------------
def test_an_epub_reads_its_chapters_in_order_without_front_matter(tmp_path: Path) -> None:
    prepared = prepare(makers.make_epub(tmp_path / "field notes.epub", chapters=3))
    info = prepared.report.files[0]
    text = joined(prepared)
    assert info.kind == "epub" and info.rows_kept == 3
    assert "Copyright" not in text and "A. Writer" not in text
    assert any("not chapters" in note for note in info.notes)
    for n in (1, 2, 3):  # pieces are numbered in reading order
        example = next(e for e in prepared.train + prepared.heldout
                       if makers.paragraph(n * 10) in e.response)  # fmt: skip
        assert example.source == f"field notes.epub#{n}"
    assert "Write a piece titled 'Chapter 3: Mornings'." in prompts(prepared)


def test_a_saved_web_page_keeps_only_its_article(tmp_path: Path) -> None:
    prepared = prepare(makers.make_html(tmp_path / "roast.html"))
    text = joined(prepared)
    assert prepared.report.files[0].kind == "html"
    assert all(makers.paragraph(n) in text for n in range(3))
    for furniture in ("cookies", "Home", "Share on", "Newsletter", "Acme Ltd", "Ten tips",
                      "tracking", "color"):  # fmt: skip
        assert furniture not in text, furniture
    assert "Write a piece titled 'Why we roast on Tuesdays'." in prompts(prepared)


def test_a_folder_of_saved_pages_leaves_their_asset_folders_out(tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    makers.make_html(folder / "one.html", title="One")
    makers.make_html(folder / "two.htm", title="Two")
    (folder / "one_files").mkdir()
    (folder / "one_files" / "ad.html").write_text(
        "<p>Buy cheap watches now, limited offer for today only!</p>", encoding="utf-8"
    )
    prepared = prepare(folder)
    assert [f.path for f in prepared.report.files] == ["saved/one.html", "saved/two.htm"]
    assert "watches" not in joined(prepared)


def test_an_odt_and_an_rtf_read_as_prose(tmp_path: Path) -> None:
    odt = prepare(makers.make_odt(tmp_path / "launch.odt"))
    assert odt.report.files[0].kind == "odt"
    assert makers.paragraph(0) in joined(odt) and "footnote" not in joined(odt)
    assert "Write a piece titled 'Spring launch'." in prompts(odt)
    rtf = prepare(makers.make_rtf(tmp_path / "notes.rtf"))
    assert rtf.report.files[0].kind == "rtf"
    assert makers.paragraph(2) in joined(rtf) and "Café au lait." in joined(rtf)
    assert "Helvetica" not in joined(rtf)


# -- blog exports ---------------------------------------------------------------------------
def test_a_wordpress_export_reads_published_posts_only_by_default(tmp_path: Path) -> None:
    path = makers.make_wordpress(tmp_path / "acme.WordPress.2024-03-01.xml", posts=4)
    prepared = prepare(path)
    info = prepared.report.files[0]
    text = joined(prepared)
    assert info.kind == "wordpress" and info.rows_kept == 4
    assert "PAGE TEXT" not in text and "DRAFT TEXT" not in text
    assert "1 draft and 1 page" in " ".join(info.notes)
    # Both editors' posts split into paragraphs; no block-editor comments left behind.
    assert makers.paragraph(1) in text and makers.paragraph(1001) in text and "wp:" not in text
    assert "[gallery" not in text and "caption" not in text
    assert "Write a piece titled 'Post number 3'." in prompts(prepared)
    everything = joined(prepare(path, include_pages_and_drafts=True))
    assert "PAGE TEXT 0" in everything and "DRAFT TEXT 0" in everything


def test_an_xml_file_that_is_not_a_wordpress_export_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text("<rss><channel><item><title>Hi</title></item></channel></rss>")
    assert "not a WordPress export" in expect_error(ErrorKind.BAD_DATA_FILE, path).message


def test_substack_and_medium_exports_read_published_posts(tmp_path: Path) -> None:
    substack = prepare(makers.make_substack(tmp_path / "substack.zip"))
    assert substack.report.files[0].kind == "substack" and substack.report.files[0].rows_kept == 3
    text = joined(substack)
    assert "DRAFT TEXT" not in text and "Subscribe" not in text and "@example.com" not in text
    assert "Write a piece titled 'Letter 2'." in prompts(substack)
    medium = prepare(makers.make_medium(tmp_path / "medium-export.zip"))
    assert medium.report.files[0].kind == "medium" and medium.report.files[0].rows_kept == 3
    text = joined(medium)
    assert "DRAFT TEXT" not in text and "Exported from" not in text and "Canonical" not in text
    assert "Write a piece titled 'Story 1'." in prompts(medium)
    with_drafts = joined(prepare(tmp_path / "medium-export.zip", include_pages_and_drafts=True))
    assert "DRAFT TEXT 3" in with_drafts


def test_a_zip_that_is_no_blog_export_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday/readme.txt", "Photos from the trip.")
    assert "Unzip it" in expect_error(ErrorKind.BAD_DATA_FILE, path).message


@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".epub", ".odt", ".pdf", ".rtf"])
def test_an_empty_file_of_each_kind_is_a_typed_error(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    expect_error(ErrorKind.BAD_DATA_FILE, path)

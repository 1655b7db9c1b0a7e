"""The Data step with a workbook, a PDF and a blog export, through the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from gui.steps.data.page import DataPage
from tests.data import makers


@pytest.fixture
def page(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> DataPage:
    monkeypatch.delenv("QUILLORA_ENGINE_COMMAND", raising=False)  # the real engine
    widget = DataPage()
    qtbot.addWidget(widget)
    widget.resize(1000, 900)
    widget.show()
    return widget


def _wait(page: DataPage, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: page._process is None and page._report is not None, timeout=60_000)


def test_a_workbook_offers_its_sheets_and_reads_the_one_chosen(
    page: DataPage, qtbot: QtBot, tmp_path: Path
) -> None:
    book = makers.make_xlsx(tmp_path / "captions.xlsx")
    requests: list[list[str]] = []
    page.sig_preview_requested.connect(requests.append)
    page.set_sources([str(book)])
    _wait(page, qtbot)
    assert page.options.isVisible() and page.options.sheet_combo.currentText() == "Posts"
    combo = page.options.sheet_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["Summary", "Posts", "Notes"]
    assert "'Posts'" in page.options.reason.text()
    assert page.mapping.text_combo.currentText() == "Caption"
    assert makers.sentence(4) in page.preview.text.toPlainText()
    assert not page.options.pages_and_drafts.isVisible()

    combo.setCurrentText("Summary")  # numbers only: the columns are offered, the sheets stay
    _wait(page, qtbot)
    assert requests[-1][-2:] == ["--sheet", "Summary"]
    assert page.options.isVisible() and combo.currentText() == "Summary"
    assert page._report is not None and page._report.readiness.examples == 0

    combo.setCurrentText("Posts")
    _wait(page, qtbot)
    assert page._report.readiness.examples > 0
    page.rights.set_answer("i_wrote_it")
    selection = page.selection()
    assert selection.sheet == "Posts" and selection.to_data_settings().sheet == "Posts"


def test_a_pdf_previews_its_clean_text(page: DataPage, qtbot: QtBot, tmp_path: Path) -> None:
    page.set_sources([str(makers.make_pdf(tmp_path / "brand book.pdf"))])
    _wait(page, qtbot)
    preview = page.preview.text.toPlainText()
    assert "feels extraordinary." in preview and "Acme Brand Book" not in preview
    assert "Page 1 of" not in preview
    assert not page.options.isVisible() and not page.mapping.isVisible()
    assert "running header" in page.files_note.text()


def test_a_blog_export_offers_its_pages_and_drafts(
    page: DataPage, qtbot: QtBot, tmp_path: Path
) -> None:
    page.set_sources([str(makers.make_wordpress(tmp_path / "blog.xml", posts=4))])
    _wait(page, qtbot)
    switch = page.options.pages_and_drafts
    assert page.options.isVisible() and switch.isVisible() and not switch.isChecked()
    examples = page._report.readiness.examples
    requests: list[list[str]] = []
    page.sig_preview_requested.connect(requests.append)
    switch.setChecked(True)
    _wait(page, qtbot)
    assert requests[-1][-1] == "--include-pages-and-drafts"
    assert page._report.readiness.examples > examples
    assert page.selection().include_pages_and_drafts

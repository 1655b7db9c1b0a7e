"""The Data step: report display, column mapping, PII redaction, rights, drops, the engine."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from engine.contract.paths import assets_dir
from gui.core.selection import DataSelection
from gui.steps.data.drop import classify_paths
from gui.steps.data.page import DataPage
from gui.tour.demo_reports import demo_report

SAMPLES = assets_dir() / "samples"


def _report_event(**kwargs: Any) -> dict[str, Any]:
    body = demo_report(**kwargs).to_dict()
    return {"emit": {"type": "report", "name": "data_preview", "body": body}}


@pytest.fixture
def page(qtbot: QtBot) -> DataPage:
    widget = DataPage()
    qtbot.addWidget(widget)
    widget.resize(1000, 800)
    return widget


def _labels(widget: Any) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel)]


def test_shows_a_given_preview_report(page: DataPage) -> None:
    page.show_report(demo_report(model="demo"))
    assert page.readiness.values["Examples to learn from"].text() == "106"
    assert page.readiness.values["Repeats left out"].text() == "3"
    assert page.readiness.badge.text() == "Ready"
    assert "118 pieces of writing" in page.readiness.verdict.text()
    assert page.readiness.values["Pieces of writing"].text() == "118"
    preview = page.preview.text.toPlainText()
    assert "Spring is here" in preview and "<|assistant|>" in preview
    assert "kept aside for checking" in preview
    assert page.mapping.text_combo.currentText() == "post"
    assert page.mapping.prompt_combo.currentText() == "brief"
    assert page.mapping.system_combo.currentText() == "(none)"
    assert [page.mapping.text_combo.itemText(i) for i in range(5)] == list(
        demo_report().mapping.columns  # type: ignore[union-attr]
    )


def test_few_examples_say_what_to_aim_for(page: DataPage) -> None:
    report = demo_report()
    small = type(report.readiness)(
        examples=8, train_examples=8, heldout_examples=0, level="too_few", verdict="Only 8."
    )
    page.show_report(type(report)(files=report.files, readiness=small))
    assert "Aim for at least 50 pieces of writing" in page.readiness.verdict.text()
    assert page.readiness.badge.text() == "Too few examples"


def test_mapping_change_requests_a_new_preview_with_those_columns(
    page: DataPage, qtbot: QtBot, fake_engine: Callable[[list[dict[str, Any]]], None]
) -> None:
    fake_engine([_report_event()])
    requests: list[list[str]] = []
    page.sig_preview_requested.connect(requests.append)
    page.set_sources(["/data/brand_voice.csv"])
    qtbot.waitUntil(lambda: page._report is not None and page._process is None, timeout=10_000)
    assert requests == [["data", "--data", "/data/brand_voice.csv"]]

    page.mapping.text_combo.setCurrentIndex(page.mapping.text_combo.findText("brief"))
    assert requests[-1] == [
        "data",
        "--data",
        "/data/brand_voice.csv",
        "--text-column",
        "brief",
        "--prompt-column",
        "brief",
    ]
    page.mapping.prompt_combo.setCurrentIndex(0)  # (none): write like this
    page.mapping.system_combo.setCurrentIndex(page.mapping.system_combo.findText("channel"))
    assert requests[-1] == [
        "data",
        "--data",
        "/data/brand_voice.csv",
        "--text-column",
        "brief",
        "--system-column",
        "channel",
    ]
    page.set_model("demo")
    assert requests[-1][:5] == ["data", "--data", "/data/brand_voice.csv", "--model", "demo"]
    qtbot.waitUntil(lambda: page._process is None, timeout=10_000)


def test_pii_findings_listed_and_redaction_reaches_the_selection(
    page: DataPage, qtbot: QtBot, fake_engine: Callable[[list[dict[str, Any]]], None]
) -> None:
    fake_engine([_report_event()])
    page.set_sources(["/data/brand_voice.csv"])
    qtbot.waitUntil(lambda: page._report is not None and page._process is None, timeout=10_000)
    labels = " ".join(_labels(page.pii))
    assert "h***@e***.com" in labels and "brand_voice.csv:77" in labels
    assert set(page.pii.checks) == {"email", "phone"}
    assert "Email addresses: 4 found" in page.pii.checks["email"].text()
    assert "[EMAIL]" in page.pii.checks["email"].text()

    requests: list[list[str]] = []
    page.sig_preview_requested.connect(requests.append)
    page.pii.checks["email"].setChecked(True)
    assert requests[-1][-2:] == ["--redact", "email"]
    qtbot.waitUntil(lambda: page._process is None, timeout=10_000)
    assert page.pii.checks["email"].isChecked()  # the new report keeps the choice
    page.pii.replace_all.click()
    assert requests[-1][-3:] == ["--redact", "email", "phone"]
    qtbot.waitUntil(lambda: page._process is None, timeout=10_000)
    page.rights.set_answer("i_wrote_it")
    assert page.selection().redact == ("email", "phone")


def test_rights_answer_is_required_before_continuing(page: DataPage, qtbot: QtBot) -> None:
    page.show_report(demo_report())
    assert not page.continue_button.isEnabled()
    assert "Whose writing" in page.continue_hint.text()
    with qtbot.assertNotEmitted(page.sig_data_ready):
        page.continue_button.click()
    page.rights.buttons["organisation_owns_it"].click()
    assert page.continue_button.isEnabled()
    with (
        qtbot.waitSignal(page.sig_continue_requested),
        qtbot.waitSignal(page.sig_data_ready) as ready,
    ):
        page.continue_button.click()
    selection = ready.args[0]
    assert isinstance(selection, DataSelection)
    assert selection.rights == "organisation_owns_it"
    assert selection.text_column == "post" and selection.prompt_column == "brief"
    assert selection.examples == 118 and selection.total_tokens == 14_950
    assert selection.to_data_settings().rights == "organisation_owns_it"


def test_drop_accepts_supported_types_and_refuses_others(
    page: DataPage,
    qtbot: QtBot,
    tmp_path: Path,
    fake_engine: Callable[[list[dict[str, Any]]], None],
) -> None:
    fake_engine([_report_event()])
    folder = tmp_path / "essays"
    folder.mkdir()
    names = ["a.csv", "b.JSONL", "c.txt", "d.md", "e.docx", "f.pages", "g.xls", "h.PDF", "i.xlsx"]
    for name in names:
        (tmp_path / name).write_text("x", encoding="utf-8")
    paths = [str(tmp_path / n) for n in names] + [str(folder)]
    accepted, refused = classify_paths(paths)
    assert [Path(p).name for p in accepted] == [
        "a.csv",
        "b.JSONL",
        "c.txt",
        "d.md",
        "e.docx",
        "h.PDF",
        "i.xlsx",
        "essays",
    ]
    assert [Path(p).name for p in refused] == ["f.pages", "g.xls"]

    page.show()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "f.pages"))])
    drop = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    requests: list[list[str]] = []
    page.sig_preview_requested.connect(requests.append)
    enter = QDragEnterEvent(
        QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    page.drop.dragEnterEvent(enter)  # Qt delivers drops only inside a real drag: call directly
    assert enter.isAccepted()
    page.drop.dropEvent(drop)
    assert page.message.isVisible()
    assert "cannot read f.pages" in page.message.text()
    assert requests == []

    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "a.csv")), QUrl.fromLocalFile(str(folder))])
    drop = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    page.drop.dropEvent(drop)
    assert requests == [["data", "--data", str(tmp_path / "a.csv"), str(folder)]]
    qtbot.waitUntil(lambda: page._process is None, timeout=10_000)


def test_engine_failure_is_shown_in_plain_words(
    page: DataPage, qtbot: QtBot, fake_engine: Callable[[list[dict[str, Any]]], None]
) -> None:
    fake_engine(
        [
            {
                "emit": {
                    "type": "failed",
                    "kind": "no_usable_rows",
                    "message": "None of the rows in notes.csv has any writing in it.",
                }
            },
            {"exit": 2},
        ]
    )
    page.show()
    page.set_sources(["/data/notes.csv"])
    qtbot.waitUntil(lambda: page._process is None, timeout=10_000)
    assert page.message.isVisible()
    assert "notes.csv" in page.message.text()
    assert not page.continue_button.isEnabled()
    assert not page.readiness.isVisible()


def test_real_engine_previews_the_bundled_samples(
    page: DataPage, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m engine data` for real, on a copy of assets/samples: CSV, then prose."""
    monkeypatch.delenv("QUILLORA_ENGINE_COMMAND", raising=False)
    samples = tmp_path / "samples"
    shutil.copytree(SAMPLES, samples)
    before = {p: p.stat().st_mtime_ns for p in samples.rglob("*") if p.is_file()}
    csv = samples / "brand_voice.csv"
    page.show()
    page.set_sources([str(csv)])
    qtbot.waitUntil(lambda: page._report is not None and page._process is None, timeout=30_000)
    report = page._report
    assert report is not None
    assert report.readiness.examples >= 50
    assert report.mapping is not None and report.mapping.text == "text"
    assert page.mapping.isVisible()
    assert "Kettle on?" in page.preview.text.toPlainText()

    requests: list[list[str]] = []
    page.sig_preview_requested.connect(requests.append)
    page.mapping.prompt_combo.setCurrentIndex(0)  # no request column: "write like this"
    qtbot.waitUntil(lambda: page._process is None, timeout=30_000)
    assert "--prompt-column" not in requests[-1]
    assert page._report is not None and page._report.mapping is not None
    assert page._report.mapping.mode == "prose"

    contacts = tmp_path / "contacts.csv"
    rows = [
        f"Row {i}: write to anna.smith{i}@example.com about the spring launch." for i in range(8)
    ]
    contacts.write_text("text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    page.set_sources([str(contacts)])
    qtbot.waitUntil(lambda: page._process is None and page._report is not None, timeout=30_000)
    assert "email" in page.pii.checks
    page.pii.checks["email"].setChecked(True)
    qtbot.waitUntil(lambda: page._process is None and page._report is not None, timeout=30_000)
    assert "[EMAIL]" in page.preview.text.toPlainText()
    assert "anna.smith" not in page.preview.text.toPlainText()
    assert "anna.smith1@" in contacts.read_text(encoding="utf-8")

    page.set_sources([str(samples / "prose")])
    qtbot.waitUntil(lambda: page._process is None and page._report is not None, timeout=30_000)
    assert page._report.readiness.prose_examples > 0
    assert not page.mapping.isVisible()
    page.rights.set_answer("i_wrote_it")
    assert page.continue_button.isEnabled()
    after = {p: p.stat().st_mtime_ns for p in samples.rglob("*") if p.is_file()}
    assert after == before  # the user's files are never modified
    assert os.listdir(samples) == os.listdir(SAMPLES)


def test_model_not_downloaded_previews_without_its_template(
    page: DataPage, qtbot: QtBot, fake_engine: Callable[[list[dict[str, Any]]], None]
) -> None:
    failed = {"type": "failed", "kind": "model_not_found", "message": "No tokenizer here."}
    fake_engine([{"emit": failed}, {"exit": 2}])
    requests: list[list[str]] = []
    page.sig_preview_requested.connect(requests.append)
    page.set_model("org/not-downloaded")
    page.set_sources(["/data/a.csv"])
    qtbot.waitUntil(lambda: len(requests) == 2 and page._process is None, timeout=10_000)
    assert "--model" in requests[0]
    assert "--model" not in requests[1]
    assert "Model not found" in page.message.text()  # the retry failed too: worded by kind


def test_bundled_samples_need_no_rights_answer_and_reach_train_by_themselves(
    page: DataPage, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo path: the real engine reads assets/samples; the selection goes out unasked."""
    monkeypatch.delenv("QUILLORA_ENGINE_COMMAND", raising=False)
    with qtbot.waitSignal(page.sig_data_ready, timeout=30_000) as ready:
        page.set_sources([str(SAMPLES / "brand_voice.csv")])
    selection = ready.args[0]
    assert selection.rights == "have_permission"
    assert selection.examples >= 100 and selection.total_tokens > 0
    assert page.rights.note.text().startswith("These are Quillora's own sample texts")
    page.set_sources([str(SAMPLES.parent / "model_catalog.json")])  # not a sample: ask again
    assert page.rights.note.isHidden()
    page._stop_process()


def test_pieces_learned_twice_are_counted_the_same_way_everywhere(
    page: DataPage, qtbot: QtBot, fake_engine: Callable[[list[dict[str, Any]]], None]
) -> None:
    # A text-only CSV of 61 rows: 61 pieces of writing become 122 training examples.
    report = demo_report()
    twice = type(report.readiness)(
        examples=122, train_examples=110, heldout_examples=12, pieces=61, prose_examples=61,
        answer_examples=61, level="good", verdict="61 pieces of writing: a good amount.",
    )  # fmt: skip
    body = type(report)(files=report.files, readiness=twice).to_dict()
    fake_engine([{"emit": {"type": "report", "name": "data_preview", "body": body}}])
    page.set_sources(["/data/posts.csv"])
    qtbot.waitUntil(lambda: page._report is not None and page._process is None, timeout=10_000)
    assert page.readiness.values["Pieces of writing"].text() == "61"
    assert page.readiness.values["Training examples (total)"].text() == "122"
    assert "Aim for" not in page.readiness.verdict.text()
    assert page.selection().label == "posts.csv (61 pieces of writing → 122 examples)"


def test_no_writing_column_offers_a_choice_and_a_failed_choice_keeps_the_pickers(
    page: DataPage, qtbot: QtBot, fake_engine: Callable[[list[dict[str, Any]]], None]
) -> None:
    from engine.contract.data_report import ColumnMapping, DataPreview, Readiness

    columns = ("sku", "price", "colour")
    mapping = ColumnMapping(text="", reason="no column looks like writing", columns=columns)
    choose = DataPreview(
        files=(), mapping=mapping, readiness=Readiness(0, 0, 0, verdict="Choose the column.")
    )
    body = choose.to_dict()
    fake_engine([{"emit": {"type": "report", "name": "data_preview", "body": body}}])
    page.set_sources(["/data/stock.csv"])
    qtbot.waitUntil(lambda: page._report is not None and page._process is None, timeout=10_000)
    assert not page.mapping.isHidden()
    assert page.mapping.text_combo.currentText() == "Choose a column…"
    assert page.preview.isHidden() and not page.continue_button.isEnabled()

    failed = {"type": "failed", "kind": "no_usable_rows", "message": "30 were too short."}
    fake_engine([{"emit": failed}])
    page.mapping.text_combo.setCurrentIndex(page.mapping.text_combo.findText("colour"))
    qtbot.waitUntil(lambda: page._process is None and not page.message.isHidden(), timeout=10_000)
    assert not page.mapping.isHidden() and "too short" in page.message.text()


def test_switching_a_column_back_shows_the_earlier_report_at_once(
    page: DataPage, qtbot: QtBot, fake_engine: Callable[[list[dict[str, Any]]], None]
) -> None:
    fake_engine([_report_event()])
    page.set_sources(["/data/brand_voice.csv"])
    qtbot.waitUntil(lambda: page._report is not None and page._process is None, timeout=10_000)
    combo = page.mapping.prompt_combo
    combo.setCurrentIndex(0)  # (none): a new preview runs
    assert page._process is not None
    qtbot.waitUntil(lambda: page._process is None, timeout=10_000)
    without = page._report
    combo.setCurrentIndex(combo.findText("brief"))
    qtbot.waitUntil(lambda: page._process is None, timeout=10_000)
    combo.setCurrentIndex(0)  # (none) again: the earlier report at once, no engine
    assert page._process is None and page._report is without


NAME_ROWS = [
    "Thanks again to Priya Raman for the tasting notes on our new single origin from Huila.",
    "Customer quote from Jane O'Malley: the Aurora Roast got me through exam season, truly.",
    "Our founder Amara Nwosu still roasts the first batch every Monday before the shop opens.",
    "A note from Amara Nwosu: thank you for five good years of slow coffee and kind people.",
]


def _names_report_event(tmp_path: Path, not_personal: tuple[str, ...] = ()) -> dict[str, Any]:
    """A data_preview report made by the real engine code from a small CSV."""
    import csv

    from engine.contract.config import DataSettings
    from engine.data.prepare import prepare_examples

    path = tmp_path / "posts.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["text"], *([row] for row in NAME_ROWS)])
    settings = DataSettings(sources=(str(path),), not_personal=not_personal)
    body = prepare_examples(settings).report.to_dict()
    return {"emit": {"type": "report", "name": "data_preview", "body": body}}


def test_names_show_reasons_and_a_word_marked_not_personal_is_remembered(
    page: DataPage,
    qtbot: QtBot,
    tmp_path: Path,
    fake_engine: Callable[[list[dict[str, Any]]], None],
) -> None:
    fake_engine([_names_report_event(tmp_path)])
    page.set_sources(["/data/posts.csv"])
    qtbot.waitUntil(lambda: page._report is not None and page._process is None, timeout=10_000)
    labels = " ".join(_labels(page.pii))
    assert "Person names: 4 found" in page.pii.checks["name"].text()
    assert "← a known first and family name" in labels
    assert "Priya Raman" not in labels.replace("Priya Raman: not personal", "")  # masked
    assert set(page.pii.not_personal_buttons) == {"Amara Nwosu", "Priya Raman", "Jane O'Malley"}

    requests: list[list[str]] = []
    page.sig_preview_requested.connect(requests.append)
    fake_engine([_names_report_event(tmp_path, ("Amara Nwosu",))])
    page.pii.not_personal_buttons["Amara Nwosu"].click()
    assert requests[-1][-2:] == ["--not-personal", "Amara Nwosu"]
    qtbot.waitUntil(lambda: page._process is None, timeout=10_000)
    assert "Person names: 2 found" in page.pii.checks["name"].text()
    assert "Marked not personal, left alone in every row: “Amara Nwosu”" in " ".join(
        _labels(page.pii)
    )
    page.rights.set_answer("i_wrote_it")
    assert page.selection().not_personal == ("Amara Nwosu",)
    assert page.selection().to_data_settings().not_personal == ("Amara Nwosu",)

    # Remembered for this data: choosing the same file again, even in a new window.
    again = DataPage()
    qtbot.addWidget(again)
    again.sig_preview_requested.connect(requests.append)
    again.set_sources(["/data/posts.csv"])
    assert requests[-1][-2:] == ["--not-personal", "Amara Nwosu"]
    qtbot.waitUntil(lambda: again._process is None, timeout=10_000)
    again.pii.forget_button.click()
    assert "--not-personal" not in requests[-1]
    qtbot.waitUntil(lambda: again._process is None, timeout=10_000)
    other = DataPage()
    qtbot.addWidget(other)
    other.sig_preview_requested.connect(requests.append)
    other.set_sources(["/data/other.csv"])
    assert "--not-personal" not in requests[-1]
    qtbot.waitUntil(lambda: other._process is None, timeout=10_000)


def test_a_multi_turn_chat_preview_shows_its_turns(
    page: DataPage, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m engine data` for real on a JSONL chat file (ShareGPT shape, no model)."""
    import json

    monkeypatch.delenv("QUILLORA_ENGINE_COMMAND", raising=False)
    turns = [
        ("human", "Write a tagline for Low Tide, our smoky black tea."),
        ("gpt", "Low Tide: smoke, salt and a slow pour."),
        ("human", "Now one for Night Watch."),
        ("gpt", "Night Watch: the last cup before the lights go out."),
    ]
    chat = tmp_path / "chats.jsonl"
    line = {"conversations": [{"from": who, "value": text} for who, text in turns]}
    chat.write_text(json.dumps(line) + "\n", encoding="utf-8")
    page.show()
    page.set_sources([str(chat)])
    qtbot.waitUntil(lambda: page._report is not None and page._process is None, timeout=30_000)
    preview = page.preview.text.toPlainText()
    assert "a conversation: learns all 2 replies" in preview
    assert preview.index("Request: Write a tagline") < preview.index("Answer: Low Tide")
    assert preview.index("Answer: Low Tide") < preview.index("Request: Now one for Night")
    assert preview.index("Request: Now one for Night") < preview.index("Answer: Night Watch:")

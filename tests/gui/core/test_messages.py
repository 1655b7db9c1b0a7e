"""Every error kind has plain words and a next step; the dialog hides the technical detail."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from engine.contract.errors import ErrorKind
from engine.contract.events import Failed
from gui.core.messages import MESSAGES, ErrorDialog, failure_text, message_for


def test_every_error_kind_has_a_message_and_a_next_step():
    assert set(MESSAGES) == set(ErrorKind)
    for kind in ErrorKind:
        words = message_for(kind)
        assert words.title and words.message and words.next_step
        assert "Traceback" not in words.message + words.next_step
        assert words.title[0].isupper() and not words.title.endswith(".")


def test_dialog_shows_no_stack_trace_and_copies_details(qtbot):
    detail = 'Traceback (most recent call last):\n  File "loop.py", line 3\nRuntimeError: boom'
    failed = Failed(kind=ErrorKind.DISK_FULL, message="No space left on /data.", detail=detail)
    dialog = ErrorDialog(failed)
    qtbot.addWidget(dialog)
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Traceback" not in shown and "RuntimeError" not in shown
    assert "disk" in shown.lower() and "No space left on /data." in shown
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert "disk_full" in copied and "No space left on /data." in copied
    assert copied.endswith(detail)  # the whole traceback, for a bug report


def test_a_failure_on_a_page_reads_title_engine_sentence_next_step():
    named = failure_text(
        Failed(kind=ErrorKind.BAD_DATA_FILE, message="Could not open 'posts.csv'.")
    )
    lines = named.split("\n")
    assert lines[0] == "A file could not be read"
    assert lines[1] == "Could not open 'posts.csv'."  # the engine's sentence names the file
    assert lines[2].startswith("Open the file to check it")
    assert len(lines) == 3
    generic = failure_text(Failed(kind=ErrorKind.BAD_DATA_FILE, message="")).split("\n")
    assert generic[1].startswith("One of your files is damaged")  # no sentence: the kind's own

"""Every error kind has plain words and a next step; the dialog hides the technical detail."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from engine.contract.errors import ErrorKind
from engine.contract.events import Failed
from gui.core.messages import MESSAGES, ErrorDialog, details_text, message_for


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
    assert QGuiApplication.clipboard().text() == details_text(failed)
    assert "RuntimeError: boom" in details_text(failed)

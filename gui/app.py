"""The QApplication: names, high-DPI policy, and a theme that follows the system scheme."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from gui.core import settings
from gui.widgets.theme import apply_theme, icon


def create_app(argv: Sequence[str] | None = None) -> QApplication:
    """The one QApplication, themed; reuses an existing instance (tests, the tour)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        apply_theme(existing)
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(list(argv if argv is not None else sys.argv))
    app.setApplicationName("Quillora")
    app.setOrganizationName("Quillora")
    app.setApplicationDisplayName("Quillora")
    app.setDesktopFileName("quillora")
    settings.apply_to_environment()
    apply_theme(app)
    app.setWindowIcon(icon("feather", "#5b4fe0", 64))
    # Follow the system when the user switches between light and dark while Quillora runs.
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
    return app

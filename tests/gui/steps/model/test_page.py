"""The Model step: catalog, fit badges, search, local folders, cache and downloads."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from engine.contract.catalog import load_catalog
from engine.contract.cpu_fit import cpu_fit
from gui.steps.model.download_bar import progress_text
from gui.steps.model.downloads import ModelDownload, format_bytes
from gui.steps.model.hub_client import CachedModel, HubModel, HubUnavailable, check_local_folder
from gui.steps.model.page import ModelPage
from gui.steps.model.sources import HubSearchPanel
from gui.tour.demo_reports import demo_doctor_report
from gui.tour.model import tour_states


@pytest.fixture
def page(qtbot: QtBot) -> ModelPage:
    widget = ModelPage()
    qtbot.addWidget(widget)
    return widget


def test_catalog_rendered_with_demo_first(page: ModelPage) -> None:
    catalog = load_catalog()
    real = [e.hub_id for e in catalog if not e.is_demo]
    assert list(page.cards) == real
    assert len(real) >= 5
    layout = page.demo_card.parentWidget().layout()
    assert layout.itemAt(0).widget() is page.demo_card
    card = page.cards["Qwen/Qwen2.5-1.5B-Instruct"]
    texts = [w.text() for w in card.findChildren(type(card.repo))]
    assert any("1.5B parameters" in t for t in texts)
    assert any("Apache 2.0" in t for t in texts)
    assert any("32k tokens" in t for t in texts)
    assert any("chat template" in t for t in texts)
    gated = [e for e in catalog if e.gated]
    for entry in gated:
        labels = [w.text() for w in page.cards[entry.hub_id].findChildren(type(card.repo))]
        assert any("token in Settings" in t for t in labels)


@pytest.mark.parametrize("gpu_gib", [None, 24.0, 80.0])
def test_badges_without_a_gpu_and_with_a_big_one(page: ModelPage, gpu_gib: float | None) -> None:
    # Every catalog model is 8B parameters or fewer: in 4-bit NF4 (half a byte a weight) the
    # largest needs about 6 GB with its bf16 embeddings, well within 24 GiB; without an NVIDIA
    # GPU the processor trains, and engine.contract.cpu_fit's time and memory decide.
    page.set_doctor_report(demo_doctor_report(gpu_gib))
    if gpu_gib is None:  # trained on the processor: its time and memory decide
        for entry in load_catalog():
            if not entry.is_demo:
                assert page.badge_of(entry.hub_id) == cpu_fit(entry.shape, 16.0).badge
    else:
        assert {page.badge_of(hub_id) for hub_id in page.cards} == {"fits"}
    assert ("No NVIDIA GPU" in page.hardware.text()) == (gpu_gib is None)


def test_without_a_gpu_small_models_train_on_the_processor_and_8b_is_refused(
    page: ModelPage,
) -> None:
    page.set_doctor_report(demo_doctor_report(None, memory_gib=16.0))
    assert page.badge_of("Qwen/Qwen2.5-0.5B-Instruct") == "fits"
    assert page.badge_of("meta-llama/Llama-3.1-8B-Instruct") == "too big"
    assert "16 GB of memory" in page.hardware.text()
    card = page.cards["meta-llama/Llama-3.1-8B-Instruct"]
    assert "Too big without a GPU" in card.badge.text()
    assert "demo model" in card.memory.text() and "processor" in card.memory.text()
    small = page.cards["Qwen/Qwen2.5-0.5B-Instruct"]
    assert "Trains on this processor" in small.badge.text() and "minutes" in small.memory.text()
    # No multi-gigabyte download of a model that cannot train here: the button says why.
    assert not card.button.isEnabled() and card.button.text() == "Too big for this computer"
    assert "demo model" in card.button.toolTip()
    assert small.button.isEnabled() and small.button.text().startswith("Download and use")
    page.set_doctor_report(demo_doctor_report(24.0))  # the same card once a GPU is found
    assert card.button.isEnabled() and card.button.text().startswith("Download and use")


def test_a_6_gib_gpu_fits_a_small_model_but_not_an_8b_one(page: ModelPage) -> None:
    # Llama-3.1-8B: 8.0e9 weights x 0.5 byte = 4.0 GB, plus its 128,256 x 4,096 embedding and
    # output layer in bf16 (2.1 GB): over 6 GB before a single activation. SmolLM2-360M is
    # under 1 GB in any precision.
    page.set_doctor_report(demo_doctor_report(6.0))
    assert page.badge_of("meta-llama/Llama-3.1-8B-Instruct") == "too big"
    assert page.badge_of("HuggingFaceTB/SmolLM2-360M-Instruct") == "fits"


def test_small_gpu_shows_every_kind_of_badge(page: ModelPage) -> None:
    page.set_doctor_report(demo_doctor_report(6.0))
    badges = {page.badge_of(hub_id) for hub_id in page.cards}
    assert {"fits", "tight"} <= badges or {"fits", "too big"} <= badges


def test_badges_wait_for_the_report_then_doctor_runs_through_the_engine(
    qtbot: QtBot, fake_engine: Callable[[list[dict[str, Any]]], None]
) -> None:
    report = demo_doctor_report(24.0)
    fake_engine([{"emit": {"type": "report", "name": "doctor", "body": report}}])
    page = ModelPage()
    qtbot.addWidget(page)
    hub_id = next(iter(page.cards))
    assert page.badge_of(hub_id) == ""  # still checking
    page.show()
    qtbot.waitUntil(lambda: page.badge_of(hub_id) == "fits", timeout=10_000)
    assert ModelPage._doctor_cache == report
    qtbot.waitUntil(lambda: page._doctor_process.isFinished(), timeout=10_000)


def test_demo_and_local_folder_choose_without_download(
    page: ModelPage, qtbot: QtBot, tmp_path: Path
) -> None:
    with qtbot.waitSignal(page.sig_model_chosen) as chosen:
        page.demo_card.button.click()
    assert chosen.args == ["demo"]
    assert page.downloads.download is None

    folder = tmp_path / "my-model"
    folder.mkdir()
    assert not check_local_folder(folder).ok
    assert "config.json" in check_local_folder(folder).message
    (folder / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    (folder / "pytorch_model.bin").write_bytes(b"x")
    assert "safetensors" in check_local_folder(folder).message
    with qtbot.assertNotEmitted(page.sig_model_chosen):
        assert not page.local.choose_folder(folder)
    assert "safetensors" in page.local.folder_status.text()
    (folder / "model.safetensors").write_bytes(b"x")
    with qtbot.waitSignal(page.sig_model_chosen) as chosen:
        assert page.local.choose_folder(folder)
    assert chosen.args == [str(folder)]
    assert page.downloads.download is None
    assert not check_local_folder(tmp_path / "missing").ok


def test_cached_models_are_offered_and_not_downloaded_again(page: ModelPage, qtbot: QtBot) -> None:
    hub_id = "Qwen/Qwen2.5-0.5B-Instruct"
    page.set_cached_models(
        [
            CachedModel(hub_id, 988_000_000, "/cache/snap", True),
            CachedModel("someone/broken", 10, "/cache/b", False),
        ]
    )
    assert page.cards[hub_id].button.text() == "Use this model"
    assert "Download" in page.cards["Qwen/Qwen2.5-1.5B-Instruct"].button.text()
    with qtbot.waitSignal(page.sig_model_chosen) as chosen:
        page.cards[hub_id].button.click()
    assert chosen.args == [hub_id]
    assert page.downloads.download is None
    assert page.cards[hub_id].button.text() == "Chosen ✓"
    labels = [label.text() for label in page.local.findChildren(QLabel)]
    assert any("988.0 MB" in text for text in labels)
    assert any("incomplete" in text for text in labels)


def test_hub_search_offline_is_a_calm_message(qtbot: QtBot) -> None:
    def offline(_query: str) -> list[HubModel]:
        raise HubUnavailable("Hugging Face could not be reached. Check your connection.")

    panel = HubSearchPanel(search=offline)
    qtbot.addWidget(panel)
    panel.query.setText("qwen")
    panel.start_search()
    qtbot.waitUntil(lambda: "could not be reached" in panel.status.text(), timeout=5000)
    qtbot.waitUntil(lambda: panel.button.isEnabled(), timeout=5000)


def test_hub_search_real_client_offline_does_not_crash(qtbot: QtBot) -> None:
    panel = HubSearchPanel()  # the real huggingface_hub client, HF_HUB_OFFLINE=1
    qtbot.addWidget(panel)
    panel.start_search()
    qtbot.waitUntil(lambda: "offline" in panel.status.text(), timeout=10_000)


def test_hub_search_results_can_be_chosen(qtbot: QtBot) -> None:
    found = [HubModel("org/writer-1B", downloads=1200, likes=5), HubModel("org/gated", gated=True)]
    panel = HubSearchPanel(search=lambda _q: found)
    qtbot.addWidget(panel)
    panel.start_search()
    qtbot.waitUntil(lambda: panel.results.count() == 2, timeout=5000)
    row = panel.results.itemAt(0).widget()
    with qtbot.waitSignal(panel.sig_chosen) as chosen:
        row.button.click()
    assert chosen.args == ["org/writer-1B"]


def test_download_cancel_ends_the_child(qtbot: QtBot, tmp_path: Path) -> None:
    """Cancel wins over a child that would run for a minute."""

    def slow(_args: list[str]) -> tuple[str, list[str]]:
        return sys.executable, ["-c", "import time; time.sleep(60)"]

    download = ModelDownload("org/model", command=slow)
    progress: list[tuple[int, int, float]] = []
    download.sig_progress.connect(lambda *args: progress.append(args))
    download.start()
    qtbot.waitUntil(lambda: bool(progress), timeout=5000)
    with qtbot.waitSignal(download.sig_cancelled, timeout=5000):
        download.cancel()
    assert not download.is_running()


def test_download_failure_is_reported_in_words(qtbot: QtBot) -> None:
    line = (
        '{"v": 1, "type": "failed", "kind": "download_failed", '
        '"message": "Hugging Face could not be reached."}'
    )

    def failing(_args: list[str]) -> tuple[str, list[str]]:
        return sys.executable, ["-c", f"print({line!r}); raise SystemExit(2)"]

    download = ModelDownload("org/model", command=failing)
    with qtbot.waitSignal(download.sig_failed, timeout=5000) as failed:
        download.start()
    assert failed.args == ["Hugging Face could not be reached."]


def test_progress_wording() -> None:
    assert format_bytes(3_090_000_000) == "3.1 GB"
    text = progress_text(1_240_000_000, 3_090_000_000, 24_500_000)
    assert text == "1.2 GB of 3.1 GB · 24.5 MB/s · about 1 min left"
    assert "working out" in progress_text(10, 0, 0)


def test_tour_states_render(page: ModelPage) -> None:
    states = tour_states(page)
    assert [name for name, _setup in states] == ["model-gpu", "model-no-gpu", "model-download"]
    for _name, setup in states:
        setup()
        assert not page.grab().isNull()


def test_real_download_child_offline_fails_calmly(qtbot: QtBot) -> None:
    """`python -m gui.steps.model.hub_client download` for real, with HF_HUB_OFFLINE=1: no network used."""
    download = ModelDownload("Qwen/Qwen2.5-0.5B-Instruct")
    with qtbot.waitSignal(download.sig_failed, timeout=60_000) as failed:
        download.start()
    assert "offline mode" in failed.args[0]


def test_local_folder_and_cached_models_get_a_fit_badge(page: ModelPage, tmp_path: Path) -> None:
    config = {
        "model_type": "qwen2",
        "num_hidden_layers": 24,
        "hidden_size": 896,
        "intermediate_size": 4864,
        "num_attention_heads": 14,
        "num_key_value_heads": 2,
        "vocab_size": 151936,
        "tie_word_embeddings": True,
    }
    folder = tmp_path / "qwen-small"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"x")
    page.set_doctor_report(demo_doctor_report(24.0))
    assert page.local.choose_folder(folder)
    assert "Fits this computer" in page.local.folder_status.text()
    page.set_cached_models([CachedModel("someone/qwen-small", 10**9, str(folder), True)])
    labels = [label.text() for label in page.local.findChildren(QLabel)]
    assert any("Fits this computer" in text and "GB of GPU memory" in text for text in labels)
    page.set_doctor_report(demo_doctor_report(None))
    labels = [label.text() for label in page.local.findChildren(QLabel)]
    assert any("Trains on this processor" in text for text in labels)


def test_a_gguf_file_can_be_chosen_as_the_base(page: ModelPage, qtbot: QtBot, tmp_path: Path):
    import gguf
    import numpy as np

    path = tmp_path / "Llama-3.2-1B-Instruct-Q4_K_M.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with qtbot.waitSignal(page.local.sig_chosen) as chosen:
        assert page.local.choose_gguf(path)
    assert chosen.args == [str(path)]
    assert "converts it" in page.local.gguf_status.text()

    notes = tmp_path / "notes.gguf"
    notes.write_text("not a model")
    with qtbot.assertNotEmitted(page.local.sig_chosen):
        assert not page.local.choose_gguf(notes)
    assert "not a GGUF model file" in page.local.gguf_status.text()


def test_cards_say_which_models_cannot_go_to_ollama(page: ModelPage) -> None:
    for entry in load_catalog():
        if entry.is_demo:
            continue
        card = page.cards[entry.hub_id]
        if entry.family in ("phi3", "gemma2"):
            assert card.share_note is not None
            assert "Cannot be shared to Ollama or LM Studio" in card.share_note.text()
            assert "adapter" in card.share_note.text()
        else:
            assert card.share_note is None, entry.hub_id

"""Security: safetensors only, no remote code, names that stay in their folder, the Hugging
Face token kept out of files, no network unless a Hub download was asked for, and no user text
in logs."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest

from engine.contract.config import ModelSettings, RunConfig
from engine.contract.errors import EngineError, ErrorKind
from engine.modeling import resolve_model
from engine.safety.paths import safe_child, safe_name
from tests.reliability.conftest import SENTINEL

ROOT = Path(__file__).resolve().parents[2]
NETBLOCK = Path(__file__).with_name("netblock")
TOKEN = "hf_QuilloraSentinelTokenDoNotLeak0123456789"


class _Payload:
    """Unpickling this writes a file: proof that a pickle ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pickle code ran"))


def _engine(
    args: list[str], tmp_path: Path, name: str, timeout: float = 300, **env: str
) -> tuple[int, list[dict], str]:
    """Run `python -m engine ...` with the Internet blocked; (exit code, events, stderr)."""
    full_env = dict(os.environ, QUILLORA_CPU_THREADS="1", **env)
    full_env["PYTHONPATH"] = os.pathsep.join([str(NETBLOCK), str(ROOT)])
    full_env["QUILLORA_TEST_NET_LOG"] = str(tmp_path / f"{name}.net.log")
    done = subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    (tmp_path / f"{name}.stderr.log").write_text(done.stderr, encoding="utf-8")
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, events, done.stderr


def _net_attempts(tmp_path: Path, name: str) -> list[str]:
    log = tmp_path / f"{name}.net.log"
    return log.read_text().splitlines() if log.exists() else []


def _files_containing(folder: Path, needle: str) -> list[str]:
    raw = needle.encode("utf-8")
    return [str(p) for p in folder.rglob("*") if p.is_file() and raw in p.read_bytes()]


# -- model files ---------------------------------------------------------------------------
def test_pickle_weights_are_refused_with_an_explanation_and_never_unpickled(
    tiny_model: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "pickled-model"
    folder.mkdir()
    shutil.copy(tiny_model / "config.json", folder / "config.json")
    marker = tmp_path / "pwned.txt"
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(EngineError) as refused:
        resolve_model(str(folder))
    assert refused.value.kind == ErrorKind.UNSUPPORTED_MODEL
    assert "safetensors" in refused.value.message and "run code" in refused.value.message
    assert "pytorch_model.bin" in refused.value.detail
    assert not marker.exists()


def test_a_pickle_beside_safetensors_is_ignored_and_remote_code_never_runs(
    tiny_model: Path, tmp_path: Path
) -> None:
    """A model folder with a hostile pickle and custom code next to good weights: the code in
    neither ever runs (safetensors are preferred, trust_remote_code=False)."""
    from engine.modeling import choose_placement, load_4bit_model, load_tokenizer

    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    marker = tmp_path / "pwned.txt"
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(_Payload(marker)))
    (folder / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('remote code ran')\n")
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoModelForCausalLM": "evil.EvilModel", "AutoConfig": "evil.Cfg"}
    (folder / "config.json").write_text(json.dumps(config))
    assert resolve_model(str(folder)) == folder
    load_tokenizer(folder)
    model = load_4bit_model(folder, choose_placement(), gradient_checkpointing=False)
    assert type(model).__name__ == "LlamaForCausalLM"
    assert not marker.exists()


# -- names ---------------------------------------------------------------------------------
HOSTILE_NAMES = ["../escape", "../../etc/passwd", "/etc/passwd", "a/../../b", "..", "C:\\Windows",
                 "\\\\server\\share", "sub/../../x", "nul\x00byte"]  # fmt: skip


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_run_and_export_names_cannot_escape_their_folder(tmp_path: Path, name: str) -> None:
    from engine.export.targets import ollama_model_name, slug
    from engine.run_folder import default_run_dir
    from gui.steps.train.controller import new_run_dir

    with pytest.raises(EngineError) as refused:
        safe_child(tmp_path, name)
    assert refused.value.kind == ErrorKind.BAD_CONFIG
    assert "/" not in safe_name(name) and safe_name(name) not in ("", ".", "..")
    config = RunConfig(model=ModelSettings(name="tiny-test"), name=name)
    for made in (default_run_dir(config, tmp_path), new_run_dir(config, tmp_path)):
        assert made.parent == tmp_path / "runs" or made.parent == tmp_path, made
        assert made.resolve().is_relative_to(tmp_path.resolve())
    for text in (slug(name), ollama_model_name(name)):
        assert "/" not in text and "\\" not in text and ".." not in text


def test_plain_names_are_kept(tmp_path: Path) -> None:
    assert safe_child(tmp_path, "spring launch") == tmp_path / "spring launch"
    assert safe_name("Spring launch: v2!") == "Spring-launch-v2"


# -- token, network, user text -------------------------------------------------------------
def test_demo_run_offline_leaks_neither_token_nor_user_text(
    run_config: Callable[..., Path], tmp_path: Path
) -> None:
    """A whole demo run with the Internet blocked and HF_TOKEN set to a sentinel: it succeeds,
    tries no connection, and neither the token nor the user's text lands in the run folder,
    the event stream or the stderr log (the training data holds a sentinel phrase)."""
    run_dir = tmp_path / "run"
    code, events, stderr = _engine(
        ["train", "--config", str(run_config(max_steps=4)), "--output", str(run_dir)],
        tmp_path,
        "offline",
        HF_TOKEN=TOKEN,
        HUGGING_FACE_HUB_TOKEN=TOKEN,
    )
    assert code == 0, stderr[-3000:]
    assert events[-1]["type"] == "finished"
    assert _net_attempts(tmp_path, "offline") == []
    for needle in (TOKEN, SENTINEL):
        assert _files_containing(run_dir, needle) == [], needle
        assert needle not in json.dumps(events), needle
        assert needle not in stderr, needle
    assert (run_dir / "adapter" / "adapter_model.safetensors").is_file()


def test_hub_model_offline_mode_makes_no_connection(tmp_path: Path) -> None:
    code, events, _ = _engine(
        ["train", "--model", "quillora-test/not-cached", "--data", str(tmp_path), "--output",
         str(tmp_path / "run")],
        tmp_path, "hub-offline", HF_HUB_OFFLINE="1", HF_TOKEN=TOKEN,
    )  # fmt: skip
    assert code == 2
    assert events[-1]["type"] == "failed" and events[-1]["kind"] == "model_not_found"
    assert _net_attempts(tmp_path, "hub-offline") == []
    assert TOKEN not in json.dumps(events)
    assert _files_containing(tmp_path, TOKEN) == []


def test_hub_download_without_network_is_a_typed_error_without_the_token(tmp_path: Path) -> None:
    """The user asked for a Hub model: a download is tried (and blocked here), reported as
    DOWNLOAD_FAILED or MODEL_NOT_FOUND, and the token appears nowhere."""
    code, events, stderr = _engine(
        ["train", "--model", "quillora-test/not-cached", "--data", str(tmp_path), "--output",
         str(tmp_path / "run")],
        tmp_path, "hub-online", HF_TOKEN=TOKEN, HF_HUB_ETAG_TIMEOUT="2",
        HF_HUB_DOWNLOAD_TIMEOUT="2",
    )  # fmt: skip
    assert code == 2, stderr[-2000:]
    assert events[-1]["kind"] in ("download_failed", "model_not_found"), events[-1]
    assert _net_attempts(tmp_path, "hub-online"), "a Hub download should have been attempted"
    assert TOKEN not in json.dumps(events) and TOKEN not in stderr
    assert _files_containing(tmp_path, TOKEN) == []


def test_token_is_saved_to_the_keyring_not_to_settings_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]
        store: ClassVar[dict[tuple[str, str], str]] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    from PySide6.QtCore import QSettings

    from gui.core import settings

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    try:
        settings.save_token(TOKEN)
        assert settings.load_token() == TOKEN
        assert MemoryKeyring.store and TOKEN in MemoryKeyring.store.values()
        settings.settings().sync()
        assert _files_containing(tmp_path, TOKEN) == []
    finally:
        settings.save_token("")
        keyring.set_keyring(previous)
        os.environ.pop("HF_TOKEN", None)


def test_a_token_pasted_into_the_model_field_is_not_logged(tmp_path: Path) -> None:
    """A user pastes their token where the model id goes: the error that follows must not copy
    it into the event stream, the run folder's events.jsonl or the stderr log."""
    run_dir = tmp_path / "run"
    code, events, stderr = _engine(
        ["train", "--model", TOKEN, "--data", str(tmp_path), "--output", str(run_dir)],
        tmp_path, "pasted", HF_HUB_OFFLINE="1", HF_TOKEN=TOKEN,
    )  # fmt: skip
    assert code == 2, stderr[-2000:]
    assert events[-1]["type"] == "failed"
    assert TOKEN not in json.dumps(events) and TOKEN not in stderr
    assert _files_containing(tmp_path, TOKEN) == []

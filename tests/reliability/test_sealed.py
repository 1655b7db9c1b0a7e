"""The sealed engine: every command that does not need the Hub runs with the Internet blocked
and tries no connection at all (no Hub kernels, no telemetry, no "is there a newer file?").

Each command runs as a child process with tests/reliability/netblock on PYTHONPATH, which
blocks Internet sockets and logs each attempt with the stack that made it; the assertion
message names that stack. The environment is deliberately left *online* (no HF_HUB_OFFLINE):
the engine itself must decide that it has no reason to use the network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NETBLOCK = Path(__file__).with_name("netblock")
SAMPLES = ROOT / "assets" / "samples" / "brand_voice.csv"
ONLINE_SWITCHES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


def run_sealed(
    args: list[str], tmp_path: Path, stdin: str = "", **env: str
) -> tuple[int, list[dict], list[str]]:
    """`python -m engine ARGS` with the Internet blocked: (exit code, events, attempts)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ONLINE_SWITCHES}
    full_env.update(QUILLORA_CPU_THREADS="1", **env)
    full_env["PYTHONPATH"] = os.pathsep.join([str(NETBLOCK), str(ROOT)])
    net_log = tmp_path / "net.log"
    full_env["QUILLORA_TEST_NET_LOG"] = str(net_log)
    done = subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=ROOT,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    attempts = net_log.read_text("utf-8").splitlines() if net_log.exists() else []
    assert done.returncode == 0, done.stderr[-3000:]
    return done.returncode, events, attempts


def no_attempts(attempts: list[str]) -> str:
    return "network attempts:\n" + "\n".join(attempts)


def test_doctor_is_sealed(tmp_path: Path) -> None:
    _, events, attempts = run_sealed(["doctor"], tmp_path)
    assert events[-1]["type"] == "report"
    assert attempts == [], no_attempts(attempts)


def test_data_is_sealed(tmp_path: Path, tiny_model: Path) -> None:
    _, events, attempts = run_sealed(
        ["data", "--data", str(SAMPLES), "--model", str(tiny_model)], tmp_path
    )
    assert events[-1]["type"] == "report"
    assert attempts == [], no_attempts(attempts)


def test_training_on_a_local_folder_is_sealed(tmp_path: Path, tiny_model: Path) -> None:
    run = tmp_path / "run"
    _, events, attempts = run_sealed(
        ["train", "--model", str(tiny_model), "--data", str(SAMPLES), "--output", str(run),
         "--max-steps", "2", "--no-evaluate"],
        tmp_path,
    )  # fmt: skip
    assert events[-1]["type"] == "finished"
    assert attempts == [], no_attempts(attempts)


def fake_hub_cache(root: Path, repo_id: str, model: Path) -> Path:
    """A Hub cache holding `model` as a fully downloaded `repo_id`, laid out as
    huggingface_hub lays it out (refs/main -> snapshots/<commit>/ with blobs linked in)."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    commit = "0123456789abcdef0123456789abcdef01234567"
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "blobs").mkdir()
    for file in model.iterdir():
        blob = repo / "blobs" / f"blob-{file.name}"
        shutil.copy(file, blob)
        (snapshot / file.name).symlink_to(Path("..", "..", "blobs", blob.name))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return root


def test_a_fully_downloaded_hub_model_trains_with_the_network_unplugged(
    tmp_path: Path, tiny_model: Path
) -> None:
    """The Model step sends a cached model's Hub id: it must train without asking the Hub."""
    cache = fake_hub_cache(tmp_path / "hub", "quillora-test/cached-model", tiny_model)
    run = tmp_path / "run"
    _, events, attempts = run_sealed(
        ["train", "--model", "quillora-test/cached-model", "--data", str(SAMPLES), "--output",
         str(run), "--max-steps", "2", "--no-evaluate"],
        tmp_path, HF_HUB_CACHE=str(cache),
    )  # fmt: skip
    assert events[-1]["type"] == "finished", events[-1]
    assert attempts == [], no_attempts(attempts)
    recorded = json.loads((run / "run.json").read_text())
    assert recorded["config"]["model"]["name"] == "quillora-test/cached-model"


def test_a_half_downloaded_hub_model_is_not_taken_as_complete(
    tmp_path: Path, tiny_model: Path
) -> None:
    from engine.sealing import cached_hub_snapshot

    cache = fake_hub_cache(tmp_path / "hub", "quillora-test/partial", tiny_model)
    os.environ["HF_HUB_CACHE"] = str(cache)
    try:
        assert cached_hub_snapshot("quillora-test/partial") is not None
        for weights in cache.rglob("snapshots/*/*.safetensors"):
            weights.unlink()
        assert cached_hub_snapshot("quillora-test/partial") is None
        assert cached_hub_snapshot("quillora-test/never-downloaded") is None
    finally:
        del os.environ["HF_HUB_CACHE"]


def test_chat_is_sealed(tmp_path: Path, trained_tiny_run: Path) -> None:
    request = {"type": "generate", "id": "r1", "messages": [{"role": "user", "content": "Hi"}],
               "max_new_tokens": 4}  # fmt: skip
    _, events, attempts = run_sealed(
        ["chat", "--run", str(trained_tiny_run), "--device", "cpu"],
        tmp_path,
        stdin=json.dumps(request) + "\n",
    )
    assert any(e["type"] == "chat_done" for e in events), events[-3:]
    assert attempts == [], no_attempts(attempts)


@pytest.mark.parametrize("export_format", ["adapter", "gguf"])
def test_export_is_sealed(tmp_path: Path, tiny_run_copy: Path, export_format: str) -> None:
    _, events, attempts = run_sealed(
        ["export", "--run", str(tiny_run_copy), "--format", export_format, "--out",
         str(tmp_path / "out")],
        tmp_path,
    )  # fmt: skip
    assert events[-1]["type"] == "export_finished", events[-1]
    assert attempts == [], no_attempts(attempts)


def test_selftest_is_sealed(tmp_path: Path) -> None:
    _, events, attempts = run_sealed(["selftest", "--steps", "2"], tmp_path)
    assert events[-1]["type"] == "report" and events[-1]["name"] == "selftest"
    assert attempts == [], no_attempts(attempts)


def test_the_engine_cannot_import_hub_kernels_even_where_installed(tmp_path: Path) -> None:
    """bitsandbytes' CPU backend asks `kernels` for a compiled kernel from the Hub at import
    time; in the sealed engine that import fails and bitsandbytes keeps its own code."""
    probe = (
        "import sys; from engine.sealing import seal; seal(network=True); "
        "import bitsandbytes, transformers; "
        "from transformers.utils import is_kernels_available; "
        "print(is_kernels_available(), sys.modules.get('kernels'))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ONLINE_SWITCHES}
    env["PYTHONPATH"] = os.pathsep.join([str(NETBLOCK), str(ROOT)])
    env["QUILLORA_TEST_NET_LOG"] = str(tmp_path / "net.log")
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "None"]
    assert not (tmp_path / "net.log").exists(), (tmp_path / "net.log").read_text()

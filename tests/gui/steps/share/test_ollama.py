"""Ollama from the Share step, against a stand-in `ollama` that records what it was given."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from gui.steps.share.ollama import status_line, terminal_command
from gui.steps.share.page import SharePage
from tests.gui.steps.share.test_page import GGUF_EVENTS

# Prints what the real one prints when its output is not a terminal (steps, then a
# percentage for the copy) and records its arguments and the Modelfile it was pointed at.
STAND_IN = """#!{python}
import json, sys, time
from pathlib import Path
args = sys.argv[1:]
modelfile = Path(args[args.index("-f") + 1]).read_text(encoding="utf-8") if "-f" in args else ""
Path({record!r}).write_text(json.dumps({{"args": args, "modelfile": modelfile}}))
for line in ["gathering model components", "copying file sha256:0a1b 40%",
             "copying file sha256:0a1b 100%", "parsing GGUF", "writing manifest", "success"]:
    print(line, flush=True)
    time.sleep(0.05)
sys.exit({code})
"""


def _stand_in(folder: Path, record: Path, code: int = 0) -> None:
    folder.mkdir(exist_ok=True)
    script = folder / "ollama"
    script.write_text(STAND_IN.format(python=sys.executable, record=str(record), code=code))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def exported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake engine's GGUF export, pointing at a real Modelfile."""
    modelfile = tmp_path / "export" / "Modelfile"
    modelfile.parent.mkdir()
    modelfile.write_text('FROM ./x-q4_k_m.gguf\nPARAMETER stop "<|end|>"\n', encoding="utf-8")
    command = ["ollama", "create", "quillora-x", "-f", str(modelfile)]
    events = json.loads(json.dumps(GGUF_EVENTS))
    events[3]["body"]["ollama_command"] = command
    events[4]["next_step"] = " ".join(command)
    monkeypatch.setenv("FAKE_EXPORT_JSON", json.dumps(events))
    return modelfile


@pytest.mark.skipif(sys.platform.startswith("win"), reason="the stand-in is a POSIX script")
def test_share_runs_ollama_create_with_progress(
    qtbot, fake_base, run_dir, tmp_path, monkeypatch, exported
):
    record = tmp_path / "ollama-record.json"
    _stand_in(tmp_path / "bin", record)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    page = SharePage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    lines: list[tuple[str, int]] = []
    page.result.ollama.sig_progress.connect(lambda line, pct: lines.append((line, pct)))
    with qtbot.waitSignal(page.result.ollama.sig_finished, timeout=15000) as finished:
        page.export_button.click()
    assert finished.args[0] is True
    given = json.loads(record.read_text())
    assert given["args"] == ["create", "quillora-x", "-f", str(exported)]
    assert given["modelfile"] == exported.read_text(encoding="utf-8")
    assert ("Copying the model into Ollama (100%)", 100) in lines
    assert lines[-1][0] == "Done"
    assert "Added to Ollama as quillora-x" in page.result.ollama_status.text()
    assert "ollama run quillora-x" in page.result.ollama_status.text()
    assert not page.result.ollama_progress.isVisibleTo(page)
    assert not page.result.run_button.isVisibleTo(page)
    page.shutdown()


@pytest.mark.skipif(sys.platform.startswith("win"), reason="the stand-in is a POSIX script")
def test_a_failed_ollama_create_says_so_and_offers_to_try_again(
    qtbot, fake_base, run_dir, tmp_path, monkeypatch, exported
):
    record = tmp_path / "ollama-record.json"
    _stand_in(tmp_path / "bin", record, code=1)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    page = SharePage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.result.ollama.sig_finished, timeout=15000):
        page.export_button.click()
    assert "Ollama could not add it" in page.result.ollama_status.text()
    assert page.result.run_button.isVisibleTo(page)
    record.unlink()
    with qtbot.waitSignal(page.result.ollama.sig_finished, timeout=15000):
        page.result.run_button.click()
    assert json.loads(record.read_text())["args"][:2] == ["create", "quillora-x"]
    page.shutdown()


def test_without_ollama_the_command_stays_to_copy(
    qtbot, fake_base, run_dir, tmp_path, monkeypatch, exported
):
    monkeypatch.setattr("gui.steps.share.result.ollama_installed", lambda: False)
    page = SharePage(engine_base=fake_base)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.controller.sig_finished, timeout=10000):
        page.export_button.click()
    assert page.result.ollama_line.text().startswith("ollama create quillora-x -f ")
    assert "Install Ollama" in page.result.ollama_status.text()
    assert page.result.ollama.state == "idle"
    page.shutdown()


def test_status_lines_and_terminal_commands() -> None:
    assert status_line("\x1b[?25lcopying file sha256:ab 12%\r\x1b[Kcopying file sha256:ab 57%") == (
        "Copying the model into Ollama (57%)",
        57,
    )
    assert status_line("gathering model components\n") == ("Reading the Modelfile", None)
    assert status_line("") == ("", None)
    found = {"gnome-terminal": "/usr/bin/gnome-terminal"}
    assert terminal_command("m", found.get, "linux") == [
        "gnome-terminal", "--", "ollama", "run", "m",
    ]  # fmt: skip
    assert terminal_command("m", lambda name: None, "linux") is None
    assert terminal_command("m", found.get, "darwin")[0] == "osascript"  # type: ignore[index]
    assert terminal_command("m", found.get, "win32")[:3] == ["cmd", "/c", "start"]  # type: ignore[index]

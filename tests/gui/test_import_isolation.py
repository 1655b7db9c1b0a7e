"""The GUI starts fast because it never loads the ML stack: check it in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "peft", "bitsandbytes", "datasets", "safetensors", "tokenizers")

SCRIPT = f"""
import sys
import gui.main_window
from gui.app import create_app
from gui.main_window import MainWindow
app = create_app(["t"])
window = MainWindow(background_work=False)
window.show()
app.processEvents()
window.build_all_pages()  # every page, including Try it and Share when present
for key in ("model", "data", "train", "try", "share", "runs", "settings"):
    window.go_to(key)
    app.processEvents()
window.shutdown()
loaded = [name for name in {HEAVY!r} if name in sys.modules]
print("LOADED=" + ",".join(loaded))
"""


def test_main_window_leaves_the_ml_stack_unloaded(tmp_path: Path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    env["QUILLORA_DATA_DIR"] = str(tmp_path / "data")
    env["QUILLORA_SETTINGS_FILE"] = str(tmp_path / "s.ini")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED=\n" in result.stdout, result.stdout

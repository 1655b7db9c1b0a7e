"""A stand-in for the Quillora window, run as its own process by test_gui_killed.py.

    python -m tests.reliability.gui_host CONFIG RUN_DIR MODE

It starts a real training run through gui.steps.train.controller.RunController (the real engine as a
child process), waits for the first training step, prints `TRAINING <engine pid>`, and then:
- MODE=crash: keeps running until the test SIGKILLs it (the window crashed, no choice made);
- MODE=stop: does what closing the window with "Stop and save" does (stop_and_save, then
  keep_in_background) and exits at once, without waiting for the engine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer

from engine.contract.config import RunConfig
from gui.steps.train.controller import RunController


def main() -> None:
    config_path, run_dir, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    app = QCoreApplication([])
    controller = RunController()
    config = RunConfig.load(config_path)

    def on_progress(_event: object) -> None:
        controller.sig_progress.disconnect(on_progress)
        pid = controller._child.pid if controller._child is not None else None
        print(f"TRAINING {pid}", flush=True)
        if mode == "stop":
            controller.stop_and_save()
            controller.keep_in_background()
            os._exit(0)  # the window is gone at once; the engine is on its own

    controller.sig_progress.connect(on_progress)
    controller.sig_failed.connect(lambda e: (print(f"FAILED {e.kind} {e.message}"), app.exit(3)))
    QTimer.singleShot(0, lambda: controller.start(config, run_dir))
    QTimer.singleShot(240_000, lambda: app.exit(4))
    sys.exit(app.exec())


if __name__ == "__main__":
    main()

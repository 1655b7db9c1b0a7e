"""`quillora` / `python -m gui`: start the desktop app.

QUILLORA_EXIT_AFTER_SHOW=1 makes the app quit right after its first window is painted and print
how long that took since QUILLORA_T0 (a time.time() value) — used to measure start-up.
QUILLORA_SMOKE_READY=PATH (the packaged app's smoke test) gets that file written, and
"QUILLORA_READY" printed, once the first window is up.
"""

from __future__ import annotations

import os
import sys
import time


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtCore import QTimer

    from gui.app import create_app
    from gui.main_window import MainWindow

    app = create_app(argv)
    exit_after_show = os.environ.get("QUILLORA_EXIT_AFTER_SHOW") == "1"
    window = MainWindow(background_work=not exit_after_show)
    app.aboutToQuit.connect(window.shutdown)
    window.show()
    ready_file = os.environ.get("QUILLORA_SMOKE_READY")
    if ready_file:

        def ready() -> None:
            print("QUILLORA_READY", flush=True)
            with open(ready_file, "w", encoding="utf-8") as stream:
                stream.write("ready\n")

        QTimer.singleShot(0, ready)
    if exit_after_show:

        def report() -> None:
            start = float(os.environ.get("QUILLORA_T0", "0") or 0)
            print(f"first_window_seconds={time.time() - start:.3f}", flush=True)
            app.quit()

        QTimer.singleShot(0, report)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())

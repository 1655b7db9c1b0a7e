"""`quillora` / `python -m gui`: start the desktop app.

QUILLORA_EXIT_AFTER_SHOW=1 makes the app quit right after its first window is painted and print
how long that took since QUILLORA_T0 (a time.time() value) — used to measure start-up.
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
    if exit_after_show:

        def report() -> None:
            start = float(os.environ.get("QUILLORA_T0", "0") or 0)
            print(f"first_window_seconds={time.time() - start:.3f}", flush=True)
            app.quit()

        QTimer.singleShot(0, report)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())

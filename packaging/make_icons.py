"""Render the application icon (packaging/icons/quillora.svg) for each platform.

    python packaging/make_icons.py [OUT_DIR]    (default: build/icons)

Writes quillora-256.png (Linux .desktop entry, .deb), quillora-1024.png (the macOS .icns is
made from it by iconutil) and quillora.ico (Windows executable and installer). Uses Qt from
the build environment, offscreen, so it needs no display and no extra tool.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "icons" / "quillora.svg"


def render(size: int, target: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SOURCE)).render(painter)
    painter.end()
    if not image.save(str(target)):
        raise SystemExit(f"could not write {target}")


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    out = Path(argv[0] if argv else "build/icons")
    out.mkdir(parents=True, exist_ok=True)
    app = QGuiApplication([])  # image plug-ins (ico) load through the application
    render(256, out / "quillora-256.png")
    render(1024, out / "quillora-1024.png")
    render(256, out / "quillora.ico")
    del app
    print(f"icons written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The app's look: light and dark palettes that follow the system, the style sheet, icons.

Colours live in one table per scheme; assets/style/app.qss refers to them as {name}. Icons
are SVGs drawn with `currentColor`, recoloured for the scheme and rendered at the screen's
device pixel ratio, so they stay sharp on high-DPI displays.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from engine.contract.paths import assets_dir

LIGHT: dict[str, str] = {
    "window": "#f7f7fa",
    "sidebar": "#efeff4",
    "card": "#ffffff",
    "text": "#1d1d27",
    "muted": "#636378",
    "disabled": "#a3a3b2",
    "border": "#e2e2ea",
    "border_strong": "#c9c9d6",
    "hover": "#e6e6ef",
    "track": "#e4e4ee",
    "accent": "#5b4fe0",
    "accent_hover": "#4c40cf",
    "accent_soft": "#e9e6ff",
    "accent_border": "#cfc9fb",
    "accent_text": "#3b30b0",
    "on_accent": "#ffffff",
    "warn_soft": "#fff6dc",
    "warn_border": "#f1d68a",
    "error": "#c0392b",
    "error_soft": "#fde8e6",
    "error_border": "#f2b8b1",
    "ok": "#1e8e5a",
    "chart_train": "#5b4fe0",
    "chart_heldout": "#e07b39",
}

DARK: dict[str, str] = {
    "window": "#17171d",
    "sidebar": "#1e1e26",
    "card": "#23232d",
    "text": "#ececf2",
    "muted": "#a0a0b4",
    "disabled": "#5c5c6c",
    "border": "#30303c",
    "border_strong": "#454556",
    "hover": "#2c2c38",
    "track": "#33333f",
    "accent": "#8b80ff",
    "accent_hover": "#9d94ff",
    "accent_soft": "#2d2a4d",
    "accent_border": "#4a4380",
    "accent_text": "#c9c3ff",
    "on_accent": "#14141a",
    "warn_soft": "#3a321a",
    "warn_border": "#6b5a22",
    "error": "#ff7a6b",
    "error_soft": "#3d2222",
    "error_border": "#6e3430",
    "ok": "#4cc38a",
    "chart_train": "#8b80ff",
    "chart_heldout": "#ffa45c",
}

_current: dict[str, str] = dict(LIGHT)


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def colors() -> dict[str, str]:
    """The palette in force (light until `apply_theme` ran)."""
    return _current


def apply_theme(app: QApplication, dark: bool | None = None) -> None:
    """Fusion style, a matching QPalette, and the style sheet for the light or dark scheme."""
    global _current
    dark = system_is_dark() if dark is None else dark
    _current = dict(DARK if dark else LIGHT)
    app.setStyle("Fusion")
    app.setPalette(_palette(_current))
    app.setStyleSheet(style_sheet(_current))
    icon.cache_clear()


def style_sheet(palette: dict[str, str]) -> str:
    try:
        text = (assets_dir() / "style" / "app.qss").read_text(encoding="utf-8")
    except OSError:
        return ""
    for name, value in palette.items():
        text = text.replace("{" + name + "}", value)
    return text


def _palette(c: dict[str, str]) -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    palette.setColor(role.Window, QColor(c["window"]))
    palette.setColor(role.WindowText, QColor(c["text"]))
    palette.setColor(role.Base, QColor(c["card"]))
    palette.setColor(role.AlternateBase, QColor(c["sidebar"]))
    palette.setColor(role.Text, QColor(c["text"]))
    palette.setColor(role.Button, QColor(c["card"]))
    palette.setColor(role.ButtonText, QColor(c["text"]))
    palette.setColor(role.Highlight, QColor(c["accent"]))
    palette.setColor(role.HighlightedText, QColor(c["on_accent"]))
    palette.setColor(role.ToolTipBase, QColor(c["card"]))
    palette.setColor(role.ToolTipText, QColor(c["text"]))
    palette.setColor(role.PlaceholderText, QColor(c["muted"]))
    palette.setColor(role.Link, QColor(c["accent"]))
    palette.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(c["disabled"]))
    palette.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(c["disabled"]))
    return palette


@lru_cache(maxsize=128)
def icon(name: str, color: str = "", size: int = 24) -> QIcon:
    """An SVG icon from assets/icons, drawn in `color` (the text colour by default)."""
    try:
        svg = (assets_dir() / "icons" / f"{name}.svg").read_text(encoding="utf-8")
    except OSError:
        return QIcon()
    svg = svg.replace("currentColor", color or _current["text"])
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for scale in (1, 2, 3):
        pixmap = QPixmap(QSize(size * scale, size * scale))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size * scale, size * scale))
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        result.addPixmap(pixmap)
    return result

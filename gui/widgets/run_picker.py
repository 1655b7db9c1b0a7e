"""The "which run" drop-down that Try it and Share both show: one way to fill it.

Both pages offer the runs with a trained adapter (newest first), keep the run they were given
even when it is not among them, mark the demo run, and select the run in use or the newest.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox

from gui.core.run_files import finished_runs, is_demo_run


def fill_run_picker(picker: QComboBox, current: Path | None) -> tuple[list[Path], Path | None]:
    """Refill `picker`; return the runs offered and the selected one (None when there is none)."""
    runs = finished_runs()
    if current is not None and current not in runs:
        runs.insert(0, current)
    picker.clear()
    for path in runs:
        picker.addItem(path.name + ("  (demo)" if is_demo_run(path) else ""), str(path))
    chosen = current if current is not None else (runs[0] if runs else None)
    if chosen is not None:
        picker.setCurrentIndex(max(0, picker.findData(str(chosen))))
    return runs, chosen

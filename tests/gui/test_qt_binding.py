"""Guards against a Qt binding that corrupts the interpreter.

PySide6 6.12.0 on Python 3.11 drops a reference to `True` on every `Signal.emit()`; after about
a thousand signals the app aborts with "bool_dealloc". Quillora needs PySide6 < 6.12 (6.11.3
works) until a fixed release.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    sig_ping = Signal(object)


def test_signal_emit_keeps_reference_counts(qtbot):
    emitter = _Emitter()
    emitter.sig_ping.connect(lambda _value: None)
    before = sys.getrefcount(True)
    for _ in range(50):
        emitter.sig_ping.emit(1)
    assert sys.getrefcount(True) >= before - 5, (
        "This PySide6 release loses a reference on every signal and will crash the app: "
        "install PySide6-Essentials<6.12."
    )

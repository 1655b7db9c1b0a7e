"""Error kinds that cross the process boundary; the GUI words them (gui/core/messages.py)."""

from __future__ import annotations

from enum import Enum


class ErrorKind(str, Enum):
    """What went wrong, in terms the GUI can turn into a plain message and a next step."""

    NO_GPU = "no_gpu"
    OUT_OF_GPU_MEMORY = "out_of_gpu_memory"
    MODEL_NOT_FOUND = "model_not_found"
    DOWNLOAD_FAILED = "download_failed"
    UNSUPPORTED_MODEL = "unsupported_model"
    BAD_DATA_FILE = "bad_data_file"
    NO_USABLE_ROWS = "no_usable_rows"
    DISK_FULL = "disk_full"
    CANCELLED = "cancelled"
    TRAINING_DIVERGED = "training_diverged"
    BAD_CONFIG = "bad_config"
    RUN_BUSY = "run_busy"
    PROCESS_LOST = "process_lost"  # one of several training processes died (docs/server.md)
    INTERNAL_ERROR = "internal_error"


class EngineError(Exception):
    """An error the engine understands: a kind for the GUI and a sentence for people.

    `message` is already plain language (it may name the user's file); `detail` holds the
    technical part that goes behind the GUI's "copy details" button.
    """

    def __init__(self, kind: ErrorKind, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail

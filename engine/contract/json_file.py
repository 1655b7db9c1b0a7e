"""Write a JSON file so that a reader never sees it half-written.

Standard library only, so the GUI can use it too. The text goes to `<name>.tmp` beside the
file and is renamed over it (atomic on one filesystem); a failed write (a full disk) removes
the temporary file and raises the OSError.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_json_atomic(path: Path, data: Any) -> Path:
    """Write `data` as indented UTF-8 JSON to `path` (temporary file, then renamed)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    return path

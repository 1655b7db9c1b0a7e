"""What the Data page asks the engine and how it words the files it read.

`preview_arguments` builds `engine data ...` exactly as `engine/commands/data.py` parses it
(`--redact` takes the kinds as separate values); `files_text` summarises the files of a
report; `is_bundled_sample` recognises Quillora's own sample texts (no rights question).
"""

from __future__ import annotations

from pathlib import Path

from engine.contract.data_report import DataPreview
from engine.contract.paths import assets_dir


def is_bundled_sample(path: str) -> bool:
    """True for the sample texts shipped with Quillora (the demo's data)."""
    samples = (assets_dir() / "samples").resolve()
    try:
        return Path(path).resolve().is_relative_to(samples)
    except OSError:
        return False


def preview_arguments(
    sources: list[str],
    *,
    text_column: str = "",
    prompt_column: str = "",
    system_column: str = "",
    redact: tuple[str, ...] = (),
    not_personal: tuple[str, ...] = (),
    model: str = "",
    sheet: str = "",
    include_pages_and_drafts: bool = False,
) -> list[str]:
    """The engine arguments for one preview (after `engine`): `data --data ... [options]`."""
    args = ["data", "--data", *sources]
    if model:
        args += ["--model", model]
    if sheet:
        args += ["--sheet", sheet]
    if include_pages_and_drafts:
        args += ["--include-pages-and-drafts"]
    if text_column:
        args += ["--text-column", text_column]
    if prompt_column:
        args += ["--prompt-column", prompt_column]
    if system_column:
        args += ["--system-column", system_column]
    if redact:
        args += ["--redact", *redact]
    if not_personal:
        args += ["--not-personal", *not_personal]
    return args


def files_text(report: DataPreview) -> str:
    """One line per file read (or skipped, and why), then the report's notes."""
    lines = []
    for info in report.files:
        name = Path(info.path).name
        if info.skipped:
            why = "; ".join(info.notes) or "not a supported file"
            lines.append(f"{name}: not used ({why})")
        elif not info.rows_read:
            lines.append(f"{name}: nothing read yet")
        else:
            lines.append(f"{name}: {info.rows_kept:,} of {info.rows_read:,} kept")
    lines += list(report.notes)
    return "\n".join(lines[:12]) + ("\n…" if len(lines) > 12 else "")

"""A realistic `data_preview` report and doctor report for the tour and the page tests.

Shaped like what the engine emits for assets/samples/brand_voice.csv, so screenshots and
tests exercise the pages without running the engine.
"""

from __future__ import annotations

from typing import Any

from engine.contract.data_report import (
    ColumnMapping,
    DataPreview,
    FileInfo,
    PiiFinding,
    PreviewExample,
    Readiness,
)

COLUMNS = ("id", "channel", "brief", "post", "author")

_POSTS = (
    (
        "Announce the spring range",
        "Spring is here, and so is our lightest frame yet. Three new colours, a battery that "
        "lasts the whole weekend, and the same two-minute setup. Come and try one this "
        "Saturday.",
    ),
    (
        "Thank customers after the outage",
        "Yesterday our checkout went quiet for forty minutes. That is on us. Every order "
        "placed during the outage ships free, and if anything still looks wrong, write to "
        "help@example.com and a person will answer.",
    ),
    (
        "Invite readers to the autumn webinar",
        "Join us on 14 October for a half-hour on writing product pages people finish "
        "reading. Bring one page you are stuck on; we will rewrite it live.",
    ),
)


def demo_report(*, model: str = "", redact: tuple[str, ...] = ()) -> DataPreview:
    """A CSV with a brief and a post column, 118 usable rows, a few emails and phones."""
    mapping = ColumnMapping(
        text="post",
        prompt="brief",
        mode="answer",
        guessed=True,
        reason="'post' holds the longest entries and 'brief' looks like the request for each.",
        columns=COLUMNS,
    )
    preview = []
    for index, (brief, post) in enumerate(_POSTS * 4):
        shown = post.replace("help@example.com", "[EMAIL]") if "email" in redact else post
        rendered = ""
        if model:
            rendered = f"<|user|>\n{brief}<|end|>\n<|assistant|>\n{shown}<|end|>\n"
        preview.append(
            PreviewExample(
                response=shown,
                prompt=brief,
                source=f"brand_voice.csv:{index + 2}",
                rendered=rendered,
                heldout=index % 10 == 9,
            )
        )
    return DataPreview(
        files=(
            FileInfo(
                path="assets/samples/brand_voice.csv",
                kind="csv",
                size_bytes=48_213,
                encoding="utf-8",
                delimiter=",",
                columns=COLUMNS,
                mapping=mapping,
                rows_read=124,
                rows_kept=118,
                dropped={"duplicate": 3, "empty": 1, "too_short": 2},
            ),
        ),
        readiness=Readiness(
            examples=118,
            train_examples=106,
            heldout_examples=12,
            answer_examples=118,
            duplicates=3,
            empty=1,
            too_short=2,
            total_tokens=14_950,
            tokens_estimated=not model,
            pieces=118,
            level="good",
            verdict="118 pieces of writing: a good amount to learn your voice from.",
        ),
        mapping=mapping,
        preview=tuple(preview),
        pii=(
            PiiFinding(
                kind="email",
                count=4,
                samples=("…wrong, write to h***@e***.com and a person will…",),
                sources=("brand_voice.csv:3", "brand_voice.csv:41"),
                redacted="email" in redact,
            ),
            PiiFinding(
                kind="phone",
                count=2,
                samples=("…call us on +44 ** **** **90 any weekday…",),
                sources=("brand_voice.csv:77",),
                redacted="phone" in redact,
            ),
        ),
        model=model,
    )


def demo_doctor_report(gpu_gib: float | None = 24.0, memory_gib: float = 16.0) -> dict[str, Any]:
    """A doctor report with one NVIDIA GPU of `gpu_gib` GiB (none when None) and
    `memory_gib` of system memory."""
    gpus = []
    if gpu_gib:
        gpus = [
            {
                "index": 0,
                "name": "NVIDIA GeForce RTX 4090",
                "total_gib": gpu_gib,
                "free_gib": gpu_gib - 1.0,
                "compute_capability": "8.9",
                "bf16": True,
            }
        ]
    return {
        "os": "Linux",
        "python": "3.11.7",
        "cpu_count": 16,
        "memory_gib": memory_gib,
        "torch": "2.13.0",
        "cuda_available": bool(gpus),
        "gpus": gpus,
        "bitsandbytes": {"installed": True, "ok": True},
        "data_dir": {"path": "/home/me/.local/share/Quillora", "free_gib": 120.0},
    }

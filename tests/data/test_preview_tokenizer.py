"""The Data step's preview loads the model's tokenizer without torch, and it matches training's.

The preview with a model used to import torch through AutoTokenizer (5-9 s on every mapping
change); the light loader must give exactly the ids and chat-template text that training uses.
"""

from __future__ import annotations

import subprocess
import sys

from engine.data.examples import Example
from engine.data.preview_tokenizer import load_preview_tokenizer
from engine.demo import builtin_examples
from engine.modeling import load_tokenizer
from engine.prompt_format import encode_example
from engine.tiny_test_model import ensure_tiny_test_model

from .conftest import REPO


def test_light_tokenizer_encodes_exactly_like_training() -> None:
    folder = ensure_tiny_test_model()
    light, full = load_preview_tokenizer(folder), load_tokenizer(folder)
    assert light is not None and type(light) is type(full)
    prose = builtin_examples()[:30]
    asked = [Example(response=e.response, prompt=f"Write line {i}.") for i, e in enumerate(prose)]
    examples = [*prose, *asked, Example(response="Just prose, no request.")]
    examples.append(Example(response="Reply.", prompt="Ask?", system="Brief."))
    for example in examples:
        assert encode_example(light, example, 256) == encode_example(full, example, 256)
    assert light.pad_token_id == full.pad_token_id


def test_preview_with_the_tiny_test_model_leaves_torch_unimported() -> None:
    code = (
        "import sys; from engine.commands.data import tokenizer_for; tokenizer_for('tiny-test'); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False", out.stderr[-2000:]


def test_a_folder_without_tokenizer_json_falls_back(tmp_path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    assert load_preview_tokenizer(tmp_path) is None

"""The curated model catalog: it loads, it is consistent, and it badges models sensibly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.contract.catalog import CatalogError, find, load_catalog, shape_from_config
from engine.contract.estimates import DEMO_SHAPE


def test_the_bundled_catalog_loads_demo_first_then_ungated() -> None:
    entries = load_catalog()
    assert entries[0].is_demo
    assert entries[0].shape.hidden == DEMO_SHAPE.hidden
    gated = [entry.gated for entry in entries]
    assert gated == sorted(gated)
    assert len(entries) >= 10


def test_published_sizes_match_the_architecture_numbers() -> None:
    for entry in load_catalog():
        computed = entry.shape.linear_parameters + entry.shape.dense_parameters
        assert computed == pytest.approx(entry.parameters, rel=0.03), entry.hub_id
        if not entry.is_demo:
            assert entry.download_gb == pytest.approx(entry.parameters * 2 / 1e9, rel=0.1)


def test_known_facts() -> None:
    entries = load_catalog()
    llama = find("meta-llama/Llama-3.1-8B-Instruct", entries)
    assert llama is not None and llama.gated and llama.license == "llama3.1"
    qwen = find("qwen/qwen2.5-0.5b-instruct", entries)
    assert qwen is not None and not qwen.gated and qwen.license == "apache-2.0"
    assert find("someone/unknown-model", entries) is None


def test_badges_on_common_cards() -> None:
    entries = load_catalog()
    demo = find("demo", entries)
    assert demo is not None and demo.badge(None) == "fits"
    llama = find("meta-llama/Llama-3.1-8B-Instruct", entries)
    assert llama is not None
    assert llama.badge(None) == "needs an NVIDIA GPU"
    assert llama.badge(24.0) == "fits"
    assert llama.badge(4.0) == "too big"
    small = find("Qwen/Qwen2.5-0.5B-Instruct", entries)
    assert small is not None and small.badge(6.0) == "fits"


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _bundled() -> dict:
    return json.loads(
        (Path(__file__).resolve().parents[2] / "assets" / "model_catalog.json").read_text()
    )


@pytest.mark.parametrize(
    "breaks",
    [
        lambda doc: doc.update(version=2),
        lambda doc: doc["models"][1].pop("license"),
        lambda doc: doc["models"][1].update(colour="blue"),
        lambda doc: doc["models"][1].update(parameters="big"),
        lambda doc: doc["models"][1]["architecture"].update(kv_heads=3),
        lambda doc: doc["models"][1].update(hub_id="no-owner"),
        lambda doc: doc["models"].append(doc["models"][1]),
        lambda doc: doc.update(models=[]),
    ],
)
def test_a_broken_catalog_is_refused_with_a_sentence(tmp_path: Path, breaks) -> None:
    document = _bundled()
    breaks(document)
    with pytest.raises(CatalogError):
        load_catalog(_write(tmp_path, document))


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogError):
        load_catalog(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(CatalogError):
        load_catalog(bad)


def test_shape_from_a_hub_config() -> None:
    shape = shape_from_config(
        {
            "num_hidden_layers": 16,
            "hidden_size": 2048,
            "intermediate_size": 8192,
            "num_attention_heads": 32,
            "num_key_value_heads": 8,
            "vocab_size": 128256,
            "tie_word_embeddings": True,
        }
    )
    assert shape.total_parameters == pytest.approx(1.236e9, rel=0.01)
    with pytest.raises(CatalogError):
        shape_from_config({"hidden_size": 10})

"""The run configuration: defaults, JSON round trip, and errors a user can act on."""

from __future__ import annotations

import json

import pytest

from engine.contract.config import (
    ConfigError,
    DataSettings,
    LoraSettings,
    RunConfig,
    TrainingSettings,
    field_help,
)


def test_defaults_round_trip_through_json() -> None:
    config = RunConfig()
    assert RunConfig.from_json(config.to_json()) == config


def test_a_customised_config_round_trips() -> None:
    config = RunConfig(
        data=DataSettings(sources=("a.csv", "notes/"), text_column="body", redact=("email",)),
        lora=LoraSettings(rank=8, alpha=16),
        training=TrainingSettings(dial="thorough", max_steps=30, learning_rate=1e-4),
        name="spring newsletter",
    )
    restored = RunConfig.from_json(config.to_json())
    assert restored == config
    assert restored.data.sources == ("a.csv", "notes/")


def test_partial_json_fills_defaults() -> None:
    config = RunConfig.from_dict({"training": {"max_steps": 5}})
    assert config.training.max_steps == 5
    assert config.lora == LoraSettings()


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"trainin": {}}, "Unknown setting 'trainin'"),
        ({"training": {"dial": "fast"}}, "'training.dial' must be one of"),
        ({"training": {"max_steps": "ten"}}, "must be a whole number"),
        ({"training": {"max_steps": True}}, "must be a whole number"),
        ({"training": {"learning_rate": 0.5}}, "learning rate"),
        ({"lora": {"rank": 7}}, "LoRA rank must be"),
        ({"data": {"heldout_fraction": 0.9}}, "aside for checking"),
        ({"data": {"redact": ["emails"]}}, "Unknown kind of personal data"),
        ({"data": {"sources": "a.csv"}}, "must be a list"),
        ({"model": {"name": "  "}}, "Choose a base model"),
    ],
)
def test_bad_settings_say_what_to_fix(data: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        RunConfig.from_dict(data)


def test_bad_json_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid JSON"):
        RunConfig.from_json("{nope")
    with pytest.raises(ConfigError, match="JSON object"):
        RunConfig.from_json(json.dumps([1, 2]))


def test_every_field_has_help_text_for_tooltips() -> None:
    import dataclasses

    for section in (DataSettings, LoraSettings, TrainingSettings):
        for f in dataclasses.fields(section):
            assert len(field_help(section, f.name)) > 10, f"{section.__name__}.{f.name}"


def test_config_is_frozen() -> None:
    config = RunConfig()
    with pytest.raises(dataclasses_frozen_error()):
        config.name = "x"  # type: ignore[misc]


def dataclasses_frozen_error() -> type[Exception]:
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_a_settings_file_may_be_a_config_or_a_run_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = RunConfig(name="from a run")
    plain = tmp_path / "settings.json"
    plain.write_text(config.to_json(), encoding="utf-8")
    run_json = tmp_path / "run.json"
    run_json.write_text(json.dumps({"config": config.to_dict(), "state": "finished"}))
    assert RunConfig.load(plain) == config == RunConfig.load(run_json)
    with pytest.raises(ConfigError, match="cannot read the settings file"):
        RunConfig.load(tmp_path / "missing.json")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError):
        RunConfig.load(tmp_path / "binary.json")

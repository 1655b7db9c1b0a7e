"""The app's own settings (QSettings) and the Hugging Face token (the OS keyring).

The data folder setting is applied to the environment (QUILLORA_DATA_DIR) at start, so the
engine children and `engine.contract.paths` agree with the GUI. The token is never written to
a settings file: it goes to the keyring, and into HF_TOKEN only for this process's children.
Tests point QUILLORA_SETTINGS_FILE at a private .ini file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from pathlib import Path

from PySide6.QtCore import QSettings

from engine.contract.paths import DATA_DIR_ENV, data_dir

SETTINGS_FILE_ENV = "QUILLORA_SETTINGS_FILE"
KEYRING_SERVICE = "Quillora"
KEYRING_USER = "huggingface-token"


class TokenStoreError(RuntimeError):
    """The keyring is not available; the message says so in plain words."""


def settings() -> QSettings:
    path = os.environ.get(SETTINGS_FILE_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("Quillora", "Quillora")


def _bool(value: object) -> bool:
    return value in (True, "true", "1", 1)


def welcome_done() -> bool:
    return _bool(settings().value("welcome_done", False))


def set_welcome_done(done: bool = True) -> None:
    settings().setValue("welcome_done", done)


def _not_personal_key(sources: list[str] | tuple[str, ...]) -> str:
    # One entry per set of files or folders: the same brand's data keeps its words.
    joined = "\n".join(sorted(str(Path(s).expanduser()) for s in sources))
    return "not_personal/" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def not_personal_words(sources: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Words the user marked "not personal" for this data (their brand, their byline)."""
    raw = settings().value(_not_personal_key(sources), "")
    try:
        words = json.loads(str(raw)) if raw else []
    except ValueError:
        return ()
    return tuple(w for w in words if isinstance(w, str) and w.strip())


def set_not_personal_words(sources: list[str] | tuple[str, ...], words: tuple[str, ...]) -> None:
    settings().setValue(_not_personal_key(sources), json.dumps(list(words)))


def offline_mode() -> bool:
    return _bool(settings().value("offline", False))


def set_offline_mode(offline: bool) -> None:
    settings().setValue("offline", offline)
    _apply_offline(offline)


def _apply_offline(offline: bool) -> None:
    if offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
    else:
        os.environ.pop("HF_HUB_OFFLINE", None)


def apply_to_environment() -> None:
    """Make the engine children see the chosen data folder and offline mode."""
    chosen = settings().value("data_dir", "")
    if chosen and not os.environ.get(DATA_DIR_ENV):
        os.environ[DATA_DIR_ENV] = str(chosen)
    _apply_offline(offline_mode())


def move_data_dir(target: Path) -> Path:
    """Copy everything to `target`, then switch to it; the old folder is left untouched.

    Copy-then-switch means an interrupted move never loses a run: until the copy has
    finished, the app keeps using the old folder.
    """
    source = data_dir()
    target = target.expanduser().resolve()
    if target == source.resolve():
        return target
    if target.exists() and any(target.iterdir()):
        raise OSError(f"{target} is not empty. Choose an empty folder or a new one.")
    if source.exists():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        target.mkdir(parents=True, exist_ok=True)
    settings().setValue("data_dir", str(target))
    os.environ[DATA_DIR_ENV] = str(target)
    return target


def load_token() -> str:
    """The saved Hugging Face token, or "" (also when no keyring exists)."""
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER) or ""
    except Exception:
        return ""


def save_token(token: str) -> None:
    """Store the token in the OS keyring (or delete it when empty)."""
    try:
        import keyring
        import keyring.errors

        if token:
            keyring.set_password(KEYRING_SERVICE, KEYRING_USER, token)
        else:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception as exc:
        raise TokenStoreError(
            "This computer has no secure password store Quillora can use, so the token was "
            "not saved. You can still set the HF_TOKEN environment variable."
        ) from exc
    if token:
        os.environ["HF_TOKEN"] = token
    else:
        os.environ.pop("HF_TOKEN", None)


def export_token_to_environment() -> None:
    """Give engine children the token (downloads of gated models) without writing it down."""
    token = load_token()
    if token and not os.environ.get("HF_TOKEN"):
        os.environ["HF_TOKEN"] = token

"""The Data page tests share the Model page's fixtures: private folders and a scripted engine."""

from tests.gui.steps.model.conftest import _private_folders, fake_engine

__all__ = ["_private_folders", "fake_engine"]

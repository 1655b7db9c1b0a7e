"""The Share page tests share Try it's fixtures: a private data folder and fake run folders."""

from tests.gui.steps.try_it.conftest import _private_data_dir, fake_base, run_dir

__all__ = ["_private_data_dir", "fake_base", "run_dir"]

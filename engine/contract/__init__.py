"""Contract modules: what the GUI and the engine agree on.

The GUI imports these, so they import only the standard library and platformdirs (where the
data folder lives on each system): never the ML stack, never Qt. import-linter's contract in
pyproject.toml and tests/contract/test_contract_imports.py hold them to it.
"""

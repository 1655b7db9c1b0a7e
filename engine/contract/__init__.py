"""Contract modules: what the GUI and the engine agree on (standard library only)."""

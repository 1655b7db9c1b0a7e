"""Reading the user's writing into examples (heavy side: runs inside the engine only)."""

"""The Try it step: chat, side-by-side comparison and the blind test with a trained run."""

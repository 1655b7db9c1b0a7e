"""Evaluation after training: held-out perplexity, a style score and the blind A/B.

`style` is standard library only; `perplexity` and `compare` import torch inside their
functions, so importing this package stays cheap.
"""

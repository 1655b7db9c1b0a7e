"""Optional speed features for the training loop: a cross-entropy that never fills memory
with full-vocabulary logits (Liger's fused kernel on CUDA when it imports, a chunked PyTorch
fallback everywhere else), and the causal-LM loss built on it.

Heavy module: imports torch; never imported by the GUI.
"""

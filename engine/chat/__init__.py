"""Chat with a trained run: load the model once, stream replies token by token.

`run_info` finds the base model and adapter of a run folder, `loading` loads them (4-bit base
plus adapter, or 16-bit merged weights), `decoding` is the token loop, `session` ties them to
the request/stop protocol of `python -m engine chat`.
"""

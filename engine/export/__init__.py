"""Exports of a trained run: the adapter, a merged model, or GGUF for llama.cpp tools.

`exports.export_run` is the entry point (the export command calls it); `common` holds the
disk check, the staged output folder and the model card; `merged` the 16-bit merge;
`gguf_arch`, `gguf_vocab`, `gguf_writer` the project's own GGUF converter; `chat_template`
carries the training chat template into an Ollama Modelfile; `targets` Ollama and LM Studio.
"""

"""The Share step: export a trained run for Ollama, LM Studio and llama.cpp."""

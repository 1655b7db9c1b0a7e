"""The Settings step: the data folder, the Hugging Face token, offline mode."""

"""The Model step: the catalog, the Hugging Face Hub, local folders, and downloads."""

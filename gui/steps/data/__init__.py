"""The Data step: the user's files, their columns, the rights question, and the preview."""

"""Reusable widgets: the step sidebar, the loss chart, sparklines, stat tiles."""

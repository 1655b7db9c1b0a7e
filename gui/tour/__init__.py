"""The screenshot tour: `python -m gui.tour OUTDIR` renders every screen and state to PNG.

Nothing here is part of the app the user runs: the scripted states of each page (model.py,
try_it.py, share.py) and the reports shaped like the engine's (demo_reports.py) drive the real
pages from outside, through their public methods.
"""

"""`python -m gui.tour OUTDIR`: render every screen of the app, light and dark, to PNG."""

from __future__ import annotations

import sys

from gui.tour.screens import main

sys.exit(main())

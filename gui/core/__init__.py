"""The GUI's plumbing: the engine child process and its command line, the run watcher, run
folders on disk, the user's settings, the data selection handed between steps, and the
plain-language messages for the engine's error kinds."""

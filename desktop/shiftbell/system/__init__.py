"""Platform glue: paths, the clock, logging, the sound server probe, the one-instance lock,
atomic file writes and terminal-safe output."""

"""Typed settings with defaults, read from and written to commented TOML; no Qt."""

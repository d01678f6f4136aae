"""SQLite persistence of alerts, acknowledgements and history; no Qt."""

"""Alert sources. Each feed turns its source's data into core `Incoming` alerts; no Qt."""

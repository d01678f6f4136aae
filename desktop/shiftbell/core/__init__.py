"""Pure domain logic: no Qt, no I/O, no clock reads (time is always passed in)."""

"""Small real HTTP servers that speak the vendors' documented JSON, for the feed tests."""

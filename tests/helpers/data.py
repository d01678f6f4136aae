"""Where the recorded payloads live: tests/data/<source>/, one folder per source."""

from pathlib import Path

TEST_DATA = Path(__file__).resolve().parents[1] / "data"

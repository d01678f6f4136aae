"""Fixtures of the runtime tests: a real alert database in the test's own folder."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from shiftbell.store.alert_store import AlertStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "shiftbell.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[AlertStore]:
    opened = AlertStore.open(db_path)
    yield opened
    opened.close()

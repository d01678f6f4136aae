"""How the person arranged the alert list, in `<data>/alert_list.json`, so a restart keeps
it: the grouping ("none", "source", "name" or "host") and the label columns.

Written atomically; an unreadable file counts as the plain list (no grouping, no label
columns), which hides nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from shiftbell.system.atomic_file import write_atomically

log = logging.getLogger(__name__)

LIST_VIEW_FILE_NAME = "alert_list.json"
_VERSION = 1


@dataclass(frozen=True)
class ListView:
    grouping: str = "none"
    label_columns: tuple[str, ...] = ()


class ListViewStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LIST_VIEW_FILE_NAME

    def load(self) -> ListView:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return ListView()
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            log.warning("ignoring the unreadable list arrangement %s: %s", self.path, exc)
            return ListView()
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            log.warning("ignoring the list arrangement %s: not version %d", self.path, _VERSION)
            return ListView()
        grouping = data.get("grouping")
        columns = data.get("label_columns")
        if not isinstance(grouping, str) or not isinstance(columns, list):
            log.warning("ignoring the list arrangement %s: grouping or columns missing", self.path)
            return ListView()
        return ListView(grouping, tuple(str(c) for c in columns if isinstance(c, str)))

    def save(self, view: ListView) -> None:
        """Raises OSError when the disk refuses."""
        data = {
            "version": _VERSION,
            "grouping": view.grouping,
            "label_columns": list(view.label_columns),
        }
        write_atomically(self.path, json.dumps(data).encode("utf-8"))

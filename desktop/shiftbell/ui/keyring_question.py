"""The one question a save can lead to: with no usable OS keyring, may a secret go to the
private secrets file instead? Asked by the Settings window's feed and schedule pages."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from shiftbell.store.credentials import NO_KEYRING


def may_keep_in_file(parent: QWidget, what: str, file_path: Path) -> bool:
    """Ask whether the `what` ("token", "calendar link") may be kept in `file_path`."""
    # The text starts with plain words, so QMessageBox shows it as plain text.
    answer = QMessageBox.question(
        parent,
        "No usable keyring",
        f"{NO_KEYRING}.\n\nStore the {what} in {file_path} (readable only by you) instead? "
        "The file is not encrypted.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes

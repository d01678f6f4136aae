"""Yes-or-no questions: may a secret go to the private file when there is no usable OS
keyring, and does the person really want to do something hard to take back."""

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


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask before something hard to take back; No is the default, so Enter never says yes
    by accident."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes

"""Asking how long to silence an alert at its source, and why: the length of the team's
Alertmanager silence, PagerDuty or Opsgenie snooze or Grafana OnCall silence, and the
comment it carries (OnCall's silence has none)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget

# (label, seconds)
LENGTHS = (
    ("1 hour", 3600.0),
    ("15 minutes", 900.0),
    ("4 hours", 4 * 3600.0),
    ("8 hours", 8 * 3600.0),
    ("24 hours", 24 * 3600.0),
)


class SilenceDialog(QDialog):
    """Attributes: length_combo, comment_edit; `choice()` is (seconds, comment)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Silence at the source")
        form = QFormLayout(self)
        self.length_combo = QComboBox(self)
        for label, seconds in LENGTHS:
            self.length_combo.addItem(label, seconds)
        self.comment_edit = QLineEdit(self)
        self.comment_edit.setPlaceholderText("what you are doing about it (the team sees it)")
        form.addRow("For:", self.length_combo)
        form.addRow("Comment:", self.comment_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setToolTip(title)

    def choice(self) -> tuple[float, str]:
        return float(self.length_combo.currentData()), self.comment_edit.text().strip()


def ask_silence(title: str, parent: QWidget | None = None) -> tuple[float, str] | None:
    dialog = SilenceDialog(title, parent)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None

"""The feed form's token field. The stored token is never read into it: on edit it starts empty
with "unchanged" as its placeholder; typing replaces the token, leaving it empty keeps it, and
"Remove stored token" deletes it on save."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from shiftbell.operations.feeds import TokenChange
from shiftbell.sources.spec import SecretNeed, SourceSpec
from shiftbell.store.credentials import SecretLocation
from shiftbell.ui.form_widgets import ERROR_STYLE, NOTE_STYLE, message_label

WHERE = {
    SecretLocation.KEYRING: "in the OS keyring",
    SecretLocation.FILE: "in Shiftbell's secrets file",
    None: "(the keyring could not say where)",
}


class TokenField(QWidget):
    """The token of one feed.

    Signals:
        edited(): the person typed, or asked to remove or keep the stored token.

    Attributes:
        edit, forget_button, note, error: the widgets.
        delete_stored: the stored token is to be deleted on save.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._location: SecretLocation | None = SecretLocation.NONE
        self._stored_before = False
        self._source: SourceSpec | None = None
        self.delete_stored = False
        self.edit = QLineEdit(self)
        self.edit.setObjectName("token")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        # Never offer the token to the clipboard or an input method's memory.
        self.edit.setInputMethodHints(
            Qt.InputMethodHint.ImhHiddenText
            | Qt.InputMethodHint.ImhNoPredictiveText
            | Qt.InputMethodHint.ImhSensitiveData
        )
        self.edit.textEdited.connect(lambda _: self.edited.emit())
        self.forget_button = QPushButton("Remove stored token", self)
        self.forget_button.setObjectName("forget-token")
        self.forget_button.setAutoDefault(False)
        self.forget_button.clicked.connect(self._toggle_delete)
        self.note = message_label(NOTE_STYLE, "token-note", self)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.forget_button)
        column.addLayout(row)
        column.addWidget(self.note)
        self.error = message_label(ERROR_STYLE, "token-error", self)
        column.addWidget(self.error)

    def load(self, location: SecretLocation | None, *, stored_before: bool) -> None:
        """A new form: `location` is where the feed's token is (None: the keyring did not say);
        `stored_before` is False for a new feed."""
        self._location = location
        self._stored_before = stored_before
        self.delete_stored = False
        self.edit.clear()

    def text(self) -> str:
        return self.edit.text().strip()

    def has_stored_token(self) -> bool:
        return self._stored_before and self._location in (
            SecretLocation.KEYRING,
            SecretLocation.FILE,
            None,  # unknown: assume there is one rather than demand it again
        )

    def will_have_token(self) -> bool:
        if self.text():
            return True
        return self.has_stored_token() and not self.delete_stored

    def change(self) -> TokenChange:
        if self.text():
            return TokenChange.SET
        if self.delete_stored:
            return TokenChange.DELETE
        return TokenChange.KEEP

    def show_texts(self, source: SourceSpec) -> None:
        """The placeholder, the note and the button, for `source`'s kind of secret."""
        self._source = source
        word = source.secret.word
        need = source.secret.need
        takes_token = need is not SecretNeed.NONE
        self.edit.setEnabled(takes_token and not self.delete_stored)
        stored = self.has_stored_token()
        self.forget_button.setVisible(stored)
        self.forget_button.setText(
            "Keep stored token" if self.delete_stored else "Remove stored token"
        )
        wanted = "optional" if need is SecretNeed.OPTIONAL else "required"
        if not takes_token:
            placeholder, note = "", f"A {source.name} feed takes no token."
        elif self.delete_stored:
            placeholder = f"{word} ({wanted})"
            note = f"The stored {word} will be deleted when you save."
        elif stored:
            placeholder = "unchanged"
            note = (
                f"The {word} is stored {WHERE.get(self._location, '')}. Leave this empty to "
                "keep it, or type a new one to replace it."
            )
        else:
            placeholder = f"{word} ({wanted})"
            note = f"Kept in the OS keyring, never in the config file. {source.secret.hint}"
        self.edit.setPlaceholderText(placeholder)
        self.note.setText(note.strip())
        self.note.setVisible(bool(note.strip()))

    def _toggle_delete(self) -> None:
        self.delete_stored = not self.delete_stored
        if self.delete_stored:
            self.edit.clear()
        self.edited.emit()

"""The Settings window's Phones page: where an alarm nobody answers at the desk goes.

Everything goes through operations/phones.py, as `shiftbell phone add|test|remove` does: the
page collects the kind, a name, the address, the token and the kind's own options (their
fields come from the channel's declaration, phones/registry.py). A test message runs on the
app's worker loop, so a slow phone service never freezes the window; the keyring and the
config file are written on the main thread, where the "no keyring: use a file?" question
can be asked. To change a phone, remove it and add it again.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from shiftbell.core.errors import ConfigError, FeedError, ShiftbellError
from shiftbell.operations.phones import PhoneOperations, send_test
from shiftbell.phones import registry
from shiftbell.phones.channel import PhoneConfig
from shiftbell.settings.model import Settings
from shiftbell.settings.phone_rules import phone_problems
from shiftbell.settings.toml_store import read_settings
from shiftbell.sources.spec import SecretNeed
from shiftbell.store.credentials import SecretStore
from shiftbell.ui.background_jobs import BackgroundJobs, RunAsync
from shiftbell.ui.form_widgets import button, plain_label, sentence
from shiftbell.ui.questions import confirm, may_keep_in_file
from shiftbell.ui.result_label import ResultLabel, ResultState, error_text
from shiftbell.ui.tables import fill_rows, named_rows_table, selected_first_cell

COLUMNS = ("Name", "Kind", "Address")
TEST_TIMEOUT_S = 30.0


class PhonesPage(QWidget):
    """Signals: changed(): a phone was added or removed (file and keyring written)."""

    changed = Signal()

    def __init__(
        self,
        config_path: Path,
        secrets: SecretStore,
        run_async: RunAsync,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.operations = PhoneOperations(
            config_path, secrets, lambda path: may_keep_in_file(self, "token", path)
        )
        self._jobs = BackgroundJobs(self, run_async)
        self._settings = Settings()
        self.option_edits: dict[str, QLineEdit] = {}

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(
            plain_label(
                "A critical alert nobody acknowledges at the desk goes to these phones "
                "([escalation.critical] phone_after_s, 3 minutes by default), and before the "
                "computer sleeps. Tokens are kept in the OS keyring.",
                self,
            )
        )
        self.table = named_rows_table(COLUMNS, "phones", self)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        column.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.test_button = button("Send a test", "test-phone", self, self.test_selected)
        self.remove_button = button("Remove", "remove-phone", self, self.remove_selected)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.result = ResultLabel("phones-result", self)
        column.addWidget(self.result)

        self.form = QGroupBox("Add a phone", self)
        self._fields = QFormLayout(self.form)
        self.kind_combo = QComboBox(self.form)
        for spec in registry.PHONES:
            self.kind_combo.addItem(spec.name, spec.id)
        self.kind_combo.currentIndexChanged.connect(lambda _: self._kind_changed())
        self._fields.addRow(plain_label("Kind:", self.form), self.kind_combo)
        self.kind_help = plain_label("", self.form)
        self._fields.addRow(self.kind_help)
        self.name_edit = QLineEdit(self.form)
        self.name_edit.setPlaceholderText("your name for it: letters, digits, . _ -")
        self._fields.addRow(plain_label("Name:", self.form), self.name_edit)
        self.url_edit = QLineEdit(self.form)
        self._fields.addRow(plain_label("Address:", self.form), self.url_edit)
        self.token_edit = QLineEdit(self.form)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_label = plain_label("Token:", self.form)
        self._fields.addRow(self.token_label, self.token_edit)
        self._option_rows: list[QWidget] = []
        self.form_result = ResultLabel("phone-form-result", self.form)
        self._fields.addRow(self.form_result)
        self.add_button = button("Add phone", "add-phone", self.form, self.add)
        self._fields.addRow(self.add_button)
        column.addWidget(self.form)
        self._kind_changed()
        self.reload()

    def reload(self) -> None:
        loaded = read_settings(self.operations.config_path)
        if loaded.readable:
            self._settings = loaded.settings
        fill_rows(self.table, (_row(phone) for phone in self._settings.phones))
        self._update_buttons()

    def selected(self) -> PhoneConfig | None:
        name = selected_first_cell(self.table)
        return self._settings.phone(name) if name is not None else None

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.test_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    def _kind_changed(self) -> None:
        spec = registry.find(str(self.kind_combo.currentData()))
        assert spec is not None
        self.kind_help.setText(spec.help)
        self.url_edit.setText(spec.address.default or "")
        self.url_edit.setPlaceholderText(spec.address.example)
        need = spec.secret.need
        self.token_label.setText(sentence(spec.secret.word).rstrip(".") + ":")
        self.token_edit.setPlaceholderText(
            "required" if need is SecretNeed.REQUIRED else "optional"
        )
        for row in self._option_rows:
            self._fields.removeRow(row)
        self._option_rows.clear()
        self.option_edits.clear()
        for option in spec.options:
            edit = QLineEdit(self.form)
            edit.setObjectName(f"phone-option-{option.name}")
            edit.setPlaceholderText(option.default or ("required" if option.required else ""))
            edit.setToolTip(option.describe())
            self.option_edits[option.name] = edit
            self._fields.insertRow(
                self._fields.rowCount() - 2, plain_label(f"{option.name}:"), edit
            )
            self._option_rows.append(edit)

    def add(self) -> None:
        spec = registry.find(str(self.kind_combo.currentData()))
        assert spec is not None
        options = {k: e.text().strip() for k, e in self.option_edits.items() if e.text().strip()}
        config = PhoneConfig(
            self.name_edit.text().strip(), spec.id, self.url_edit.text().strip(), options
        )
        secret = self.token_edit.text().strip()
        problems = phone_problems(config)
        if spec.secret.need is SecretNeed.REQUIRED and not secret:
            problems.append(f"a {spec.name} phone needs its {spec.secret.word}")
        if not problems:
            try:
                spec.open(config, secret)  # its own checks; no network
            except FeedError as exc:
                problems.append(str(exc))
        if problems:
            self.form_result.show_state(ResultState.ERROR, sentence("; ".join(problems)))
            return
        try:
            self.operations.add(config, secret)
        except ShiftbellError as exc:
            self.form_result.show_state(ResultState.ERROR, sentence(str(exc)))
            return
        self.form_result.show_state(
            ResultState.OK, f"Added {config.name}. Send it a test to see it arrive."
        )
        self.name_edit.clear()
        self.token_edit.clear()
        self.reload()
        self.changed.emit()

    def test_selected(self) -> None:
        phone = self.selected()
        if phone is None:
            return
        secret = self.operations.secret_of(phone.name)
        self.result.show_state(ResultState.BUSY, f"Sending a test to {phone.name}…")

        def done(outcome: object) -> None:
            if isinstance(outcome, BaseException):
                self.result.show_state(ResultState.ERROR, f"{phone.name}: {error_text(outcome)}")
            else:
                self.result.show_state(
                    ResultState.OK,
                    f"{phone.name} accepted the test: check that the phone shows it.",
                )

        self._jobs.submit(
            "test", send_test(phone, secret, TEST_TIMEOUT_S), TEST_TIMEOUT_S + 5, done
        )

    def remove_selected(self) -> None:
        phone = self.selected()
        if phone is None or not confirm(
            self, "Remove phone", f"Remove {phone.name}? Unanswered alarms no longer go there."
        ):
            return
        try:
            removed = self.operations.remove(phone.name)
        except ConfigError as exc:
            self.result.show_state(ResultState.ERROR, sentence(str(exc)))
            return
        note = f" (its token could not be deleted: {removed.problem})" if removed.problem else ""
        self.result.show_state(ResultState.OK, f"Removed {phone.name}{note}.")
        self.reload()
        self.changed.emit()


def _row(phone: PhoneConfig) -> tuple[str, ...]:
    spec = registry.find(phone.kind)
    return (phone.name, spec.name if spec is not None else phone.kind, phone.url)

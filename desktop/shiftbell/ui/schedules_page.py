"""The Settings window's Schedules page: the on-call schedules, added, changed and removed.

Everything goes through operations/schedules.py, as `shiftbell schedule add|remove` does:
the page collects the kind, the calendar link or file (or the alert feed a vendor schedule
signs in through), a name and the kind's own options (their fields come from the source's
declaration), and shows what went wrong. The first fetch runs on the app's worker loop
(`run_async`), so a slow calendar server never freezes the window; the keyring and the
config file are written on the main thread, where the "no keyring: use a file?" question
can be asked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from shiftbell.core.errors import ConfigError, ShiftbellError
from shiftbell.operations.schedules import (
    FETCH_TIMEOUT_S,
    FetchedSchedule,
    ScheduleDraft,
    ScheduleOperations,
    ScheduleProblems,
    coming_shifts,
)
from shiftbell.settings import schedule_rules
from shiftbell.settings.model import KEYRING_LOCATION, Settings
from shiftbell.settings.toml_store import read_settings
from shiftbell.sources import registry
from shiftbell.sources.schedule import ScheduleSourceConfig
from shiftbell.sources.spec import SourceSpec
from shiftbell.store.credentials import SecretStore
from shiftbell.system.clock import local_zone
from shiftbell.ui.background_jobs import BackgroundJobs, RunAsync
from shiftbell.ui.form_widgets import (
    ERROR_STYLE,
    NOTE_STYLE,
    button,
    message_label,
    plain_label,
    sentence,
)
from shiftbell.ui.questions import confirm, may_keep_in_file
from shiftbell.ui.schedule_text import duration_text
from shiftbell.ui.tables import fill_rows, named_rows_table, selected_first_cell

# How far ahead "N shifts in the next 14 days" counts, as `shiftbell schedule add` says it.
SHOW_AHEAD = timedelta(days=14)
COLUMNS = ("Name", "Kind", "Where", "Every")
NEW_LOCATION = "https://… or webcal://… link, or a .ics file"
STORED_LINK = "the link in the keyring; paste a new one to replace it"


class SchedulesPage(QWidget):
    """The schedules in `config_path`; see the module docstring.

    Signals:
        changed(): a schedule was added, changed or removed (file, keyring and saved copy
            written).

    Attributes:
        table: one row per schedule (COLUMNS); a double-click edits the row.
        add_button, edit_button, remove_button: the list's buttons; result: the outcome line.
        form: the add/edit form (hidden until Add… or Edit…): kind_combo, location_edit,
            browse_button, feed_combo, name_edit, option_edits (by option name), save_button,
            cancel_button, form_error. `editing` is the name of the schedule it changes.
    """

    changed = Signal()

    def __init__(
        self,
        config_path: Path,
        data_dir: Path,
        secrets: SecretStore,
        run_async: RunAsync,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.operations = ScheduleOperations(
            config_path,
            data_dir,
            secrets,
            lambda path: may_keep_in_file(self, "calendar link", path),
        )
        self._jobs = BackgroundJobs(self, run_async)
        self._settings = Settings()
        self.option_edits: dict[str, QLineEdit] = {}
        self.editing: str | None = None

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(
            plain_label(
                "When you are on call, so Shiftbell stays quiet off shift. A calendar link is "
                "kept in the OS keyring; a vendor schedule signs in through its alert feed.",
                self,
            )
        )
        self.table = named_rows_table(COLUMNS, "schedules", self)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _: self.edit_selected())
        column.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.add_button = button("Add…", "add-schedule", self, self.start_add)
        self.edit_button = button("Edit…", "edit-schedule", self, self.edit_selected)
        self.remove_button = button("Remove", "remove-schedule", self, self.remove_selected)
        for pushed in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(pushed)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.result = message_label(NOTE_STYLE, "schedules-result", self)
        column.addWidget(self.result)

        self.form = QGroupBox("New schedule", self)
        self.form.setObjectName("schedule-form")
        self._fields = QFormLayout(self.form)
        self.kind_combo = QComboBox(self.form)
        for source in registry.schedule_sources():
            self.kind_combo.addItem(source.label, source.id)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(registry.DEFAULT_SCHEDULE_KIND))
        self.kind_combo.currentIndexChanged.connect(lambda _: self._kind_changed())
        self._fields.addRow(plain_label("Kind:", self.form), self.kind_combo)
        where = QHBoxLayout()
        self.location_edit = QLineEdit(self.form)
        self.location_edit.setPlaceholderText(NEW_LOCATION)
        self.browse_button = button("Choose file…", "browse", self.form, self._browse)
        where.addWidget(self.location_edit, 1)
        where.addWidget(self.browse_button)
        self._location_row = QWidget(self.form)
        self._location_row.setLayout(where)
        self._fields.addRow(plain_label("Calendar:", self.form), self._location_row)
        self.feed_combo = QComboBox(self.form)
        self._fields.addRow(plain_label("Alert feed:", self.form), self.feed_combo)
        self.name_edit = QLineEdit(self.form)
        self.name_edit.setPlaceholderText("from the link or file when empty")
        self._fields.addRow(plain_label("Name:", self.form), self.name_edit)
        self._option_rows: list[QWidget] = []
        self.form_error = message_label(ERROR_STYLE, "schedule-form-error", self.form)
        self._fields.addRow(self.form_error)
        form_buttons = QHBoxLayout()
        form_buttons.addStretch(1)
        self.cancel_button = button("Cancel", "cancel-schedule", self.form, self.cancel_add)
        self.save_button = button("Add schedule", "save-schedule", self.form, self.save)
        form_buttons.addWidget(self.cancel_button)
        form_buttons.addWidget(self.save_button)
        self._fields.addRow(form_buttons)
        self.form.hide()
        column.addWidget(self.form)
        self._kind_changed()
        self.reload()

    # -- the list ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the schedules and feeds from the file again."""
        loaded = read_settings(self.operations.config_path)
        if loaded.readable:
            self._settings = loaded.settings
        fill_rows(self.table, (_row(config) for config in self._settings.schedules))
        self._fill_feeds()
        self._update_buttons()

    def selected_name(self) -> str | None:
        return selected_first_cell(self.table)

    def remove_selected(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        if not confirm(
            self,
            "Remove schedule",
            f"Remove schedule {name}?\n\nThis deletes its entry from "
            f"{self.operations.config_path}, its stored link and its saved copy.",
        ):
            return
        try:
            removed = self.operations.remove(name)
        except ConfigError as exc:
            self._say(f"Not removed: {exc}", error=True)
            return
        text = f"Removed schedule {name}."
        if removed.problem:
            text += f" But its link could not be deleted: {removed.problem}"
        self.reload()
        self._say(text, error=bool(removed.problem))
        self.changed.emit()

    # -- adding and changing ------------------------------------------------------------------

    def start_add(self) -> None:
        self.reload()
        self._open_form(None, "New schedule")
        self.location_edit.clear()
        self.name_edit.clear()
        for edit in self.option_edits.values():
            edit.clear()
        self.location_edit.setFocus()

    def edit_selected(self) -> None:
        name = self.selected_name()
        if name is not None:
            self.start_edit(name)

    def start_edit(self, name: str) -> None:
        """Open the form on schedule `name` as the file has it; Save replaces it."""
        self.reload()
        config = self._settings.schedule_source(name)
        if config is None:
            return
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(config.kind))
        self._open_form(name, f"Change schedule {name}")
        stored = config.location == KEYRING_LOCATION
        # The link is a credential: it stays in the keyring unless a new one is pasted.
        self.location_edit.setText("" if stored else config.location)
        self.location_edit.setPlaceholderText(STORED_LINK if stored else NEW_LOCATION)
        self.name_edit.setText(name)
        for option, edit in self.option_edits.items():
            edit.setText(config.options.get(option, ""))
        feed = self.feed_combo.findData(config.options.get("feed", ""))
        if feed >= 0:
            self.feed_combo.setCurrentIndex(feed)
        self.name_edit.setFocus()

    def _open_form(self, editing: str | None, title: str) -> None:
        self._jobs.drop("fetch")
        self.editing = editing
        self.form.setTitle(title)
        self.location_edit.setPlaceholderText(NEW_LOCATION)
        self.form_error.hide()
        self._set_busy(False)
        self.form.show()

    def cancel_add(self) -> None:
        self._jobs.drop("fetch")  # a fetch still running is no longer wanted
        self._set_busy(False)
        self.editing = None
        self.form.hide()

    def source(self) -> SourceSpec:
        return registry.source(str(self.kind_combo.currentData()))

    def save(self) -> None:
        """Check the form, fetch the schedule once (worker loop), then write it."""
        self.form_error.hide()
        source = self.source()
        options = {name: edit.text().strip() for name, edit in self.option_edits.items()}
        options = {name: value for name, value in options.items() if value}
        if source.schedule_signs_in_through_feed and self.feed_combo.currentData():
            options["feed"] = str(self.feed_combo.currentData())
        try:
            draft = self.operations.draft(
                self._settings,
                source.id,
                self.location_edit.text() if not source.schedule_signs_in_through_feed else "",
                name=self.name_edit.text(),
                options=options,
                original=self.editing,
            )
            feed, secret = self.operations.sign_in(self._settings, draft)
        except ScheduleProblems as exc:
            self._form_problem("\n".join(sentence(p) for p in exc.problems))
            return
        except ShiftbellError as exc:
            self._form_problem(sentence(str(exc)))
            return
        self._set_busy(True)
        self._jobs.submit(
            "fetch",
            self.operations.fetch_once(
                draft, tz=local_zone(), now=datetime.now(UTC), feed=feed, secret=secret
            ),
            FETCH_TIMEOUT_S + 5,
            lambda outcome: self._fetched(draft, outcome),
        )

    def _fetched(self, draft: ScheduleDraft, outcome: object) -> None:
        self._set_busy(False)
        verb = "added" if draft.original is None else "saved"
        if isinstance(outcome, BaseException):
            self._form_problem(f"Not {verb}: {outcome}")
            return
        assert isinstance(outcome, FetchedSchedule)
        fetched = outcome
        try:
            problem = self.operations.save(draft, fetched)
        except ShiftbellError as exc:
            self._form_problem(f"Not {verb}: {exc}")
            return
        coming = len(coming_shifts(fetched, SHOW_AHEAD))
        self.form.hide()
        self.editing = None
        self.reload()
        plural = "s" if coming != 1 else ""
        text = f"{verb.capitalize()} {fetched.noun} {draft.name}: {coming} shift{plural} in the "
        text += "next 14 days." + (f" But {problem}." if problem else "")
        self._say(text, error=bool(problem))
        self.changed.emit()

    # -- helpers -----------------------------------------------------------------------------

    def _kind_changed(self) -> None:
        source = self.source()
        by_feed = source.schedule_signs_in_through_feed
        self._fields.setRowVisible(self._location_row, not by_feed)
        self._fields.setRowVisible(self.feed_combo, by_feed)
        for row in self._option_rows:
            self._fields.removeRow(row)
        self._option_rows.clear()
        self.option_edits.clear()
        for option in source.schedule_options:
            if option.name == "feed":
                continue  # chosen from the feeds above
            edit = QLineEdit(self.form)
            edit.setObjectName(f"option-{option.name}")
            edit.setPlaceholderText(option.default or ("required" if option.required else ""))
            edit.setToolTip(option.describe())
            self.option_edits[option.name] = edit
            self._option_rows.append(edit)
            label = plain_label(f"{option.name}:", self.form)
            self._fields.insertRow(self._fields.rowCount() - 2, label, edit)
        self._fill_feeds()

    def _fill_feeds(self) -> None:
        source = self.source()
        self.feed_combo.clear()
        for feed in self._settings.feeds:
            if feed.kind == source.id:
                self.feed_combo.addItem(feed.name, feed.name)
        if self.feed_combo.count() == 0:
            self.feed_combo.addItem(f"(add a {source.name} feed first)", "")

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a calendar file", str(Path.home()), "Calendars (*.ics);;All files (*)"
        )
        if path:
            self.location_edit.setText(path)

    def _set_busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)
        idle = "Add schedule" if self.editing is None else "Save schedule"
        self.save_button.setText("Fetching…" if busy else idle)

    def _form_problem(self, text: str) -> None:
        self.form_error.setText(text)
        self.form_error.show()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.result.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)
        self.result.setText(text)
        self.result.show()

    def _update_buttons(self) -> None:
        selected = self.selected_name() is not None
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)


def _row(config: ScheduleSourceConfig) -> tuple[str, ...]:
    found = registry.find(config.kind)
    return (
        config.name,
        found.label if found is not None else config.kind,
        schedule_rules.where_text(config),
        "every " + duration_text(timedelta(seconds=config.interval_s)),
    )

"""The Settings window: the person's feeds, schedules, alarm and phones, and About, in tabs.

The Feeds tab has two pages: the list of feeds (feed_list_page.py), and the add/edit form
(feed_form_page.py); the Schedules, Alarm, Phones and About tabs are schedules_page.py,
alarm_page.py, phones_page.py and about_page.py.
Everything it writes goes through the same operations as `shiftbell feed ...`
(operations/feeds.py): config.toml through settings/feed_editor.py (which keeps the
person's comments and refuses to touch a file it cannot parse), tokens through
SecretStore (the OS keyring; a private file only after the person said yes). After a
successful change it emits `feeds_changed`, and the app reads its config again.

"Test connection" and the adapter's own check before saving run on the app's
worker loop (`run_async`); results come back through a queued signal, so a
slow or dead server never freezes the window, let alone the alarm.

Keyring and config-file calls stay on the main thread: they are local and
quick, and the "no keyring: use a file?" question they can lead to must be
asked there anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shiftbell.core.errors import ConfigError, ShiftbellError
from shiftbell.operations.feeds import FeedOperations
from shiftbell.settings.model import FeedSettings
from shiftbell.settings.toml_store import load_settings
from shiftbell.sources import registry
from shiftbell.sources.feed import FeedConfig
from shiftbell.store.credentials import (
    SecretLocation,
    SecretStore,
    SecretStoreError,
)
from shiftbell.ui.about_page import AboutPage
from shiftbell.ui.alarm_page import AlarmPage
from shiftbell.ui.background_jobs import BackgroundJobs, RunAsync
from shiftbell.ui.feed_form import FeedDraft
from shiftbell.ui.feed_form_page import FeedFormPage
from shiftbell.ui.feed_list_page import FeedListPage
from shiftbell.ui.icons import icon
from shiftbell.ui.phones_page import PhonesPage
from shiftbell.ui.questions import confirm, may_keep_in_file
from shiftbell.ui.result_label import ResultLabel, ResultState, error_text
from shiftbell.ui.schedules_page import SchedulesPage

log = logging.getLogger(__name__)


TEST_TIMEOUT_S = 20.0
# The worker loop enforces the timeout; this much later the window stops waiting anyway,
# in case the loop itself is stuck.
_GUARD_S = 5.0
# The adapter's own option check before saving builds and closes a client: no network.
CHECK_TIMEOUT_S = 10.0
DEFAULT_SIZE = (760, 660)


class _Slot(Enum):
    """One job of each kind at a time; a new one replaces (and cancels) the last."""

    LIST_TEST = "list-test"
    FORM_TEST = "form-test"
    SAVE_CHECK = "save-check"


class SettingsWindow(QWidget):
    """Manage the feeds in `config_path` (their tokens in `secrets`) and the schedules.

    `run_async` runs a coroutine on the app's worker loop (AsyncRunner.submit).
    The list is read again from the file whenever the window is shown, so changes
    made meanwhile with `shiftbell feed ...` appear.

    Signals:
        feeds_changed(): a feed, a schedule or the alarm settings changed (file and keyring
            written): the app reads the config again.

    Attributes:
        tabs: Feeds (`pages`), Schedules (`schedules_page`, ui/schedules_page.py), Alarm
            (`alarm_page`, ui/alarm_page.py), Phones (`phones_page`) and About.
        pages: the stack of list_page and form_page.
        feeds_table: one row per feed (Column: name, kind, URL, token state).
        add_button, edit_button, remove_button, test_button, close_button: the list's buttons.
        list_result: the list page's outcome line (test results, "Saved feed …").
        problems_frame: the config file's problems; hidden when there are none.
        form: the FeedForm; form_title, save_button, cancel_button, form_test_button and
        form_result around it.
    """

    feeds_changed = Signal()

    def __init__(
        self,
        config_path: Path,
        secrets: SecretStore,
        run_async: RunAsync,
        parent: QWidget | None = None,
        *,
        data_dir: Path | None = None,
        log_dir: Path | None = None,
        test_timeout_s: float = TEST_TIMEOUT_S,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.config_path = config_path
        self.secrets = secrets
        self.operations = FeedOperations(
            config_path, secrets, lambda path: may_keep_in_file(self, "token", path)
        )
        self._test_timeout_s = test_timeout_s
        self._jobs = BackgroundJobs(self, run_async)
        self._feeds: tuple[FeedSettings, ...] = ()
        self._locations: dict[str, SecretLocation | None] = {}

        self.setWindowTitle("Shiftbell Settings")
        self.setWindowIcon(icon("shiftbell"))
        self.resize(*DEFAULT_SIZE)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.tabs = QTabWidget(self)
        layout.addWidget(self.tabs)
        self.pages = QStackedWidget(self)
        self.list_page = self._build_list_page()
        self.form_page = self._build_form_page()
        self.pages.addWidget(self.list_page)
        self.pages.addWidget(self.form_page)
        self.tabs.addTab(self.pages, "Feeds")
        data_dir = data_dir or secrets.file_path.parent
        self.schedules_page = SchedulesPage(config_path, data_dir, secrets, run_async, self)
        self.schedules_page.changed.connect(self.feeds_changed)
        self.tabs.addTab(self.schedules_page, "Schedules")
        self.alarm_page = AlarmPage(config_path, self)
        self.alarm_page.changed.connect(self.feeds_changed)
        self.tabs.addTab(self.alarm_page, "Alarm")
        self.phones_page = PhonesPage(config_path, secrets, run_async, self)
        self.phones_page.changed.connect(self.feeds_changed)
        self.tabs.addTab(self.phones_page, "Phones")
        self.about_page = AboutPage(config_path, data_dir, log_dir or data_dir, self)
        self.tabs.addTab(self.about_page, "About")

        close_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self)
        close_shortcut.activated.connect(self.close)
        self.reload()

    # -- building ----------------------------------------------------------------------------

    def _build_list_page(self) -> FeedListPage:
        page = FeedListPage(self.config_path, self)
        self.feeds_list, self.list_result = page.feeds_list, page.result
        self.problems_frame, self.problems_label = page.problems_frame, page.problems_label
        self.feeds_table, self.empty_label = self.feeds_list.table, self.feeds_list.empty_label
        self.feeds_table.itemSelectionChanged.connect(self._update_list_buttons)
        self.feeds_table.itemDoubleClicked.connect(lambda _: self.edit_selected())
        for pushed, slot in (
            (page.add_button, self.start_add),
            (page.edit_button, self.edit_selected),
            (page.remove_button, self.remove_selected),
            (page.test_button, self.test_selected),
            (page.close_button, self.close),
        ):
            pushed.clicked.connect(lambda _=False, slot=slot: slot())
        self.add_button, self.edit_button = page.add_button, page.edit_button
        self.remove_button, self.test_button = page.remove_button, page.test_button
        self.close_button = page.close_button
        return page

    def _build_form_page(self) -> QWidget:
        page = FeedFormPage(self)
        page.form.changed.connect(self._form_changed)
        page.test_button.clicked.connect(lambda _=False: self.test_form())
        page.cancel_button.clicked.connect(lambda _=False: self.cancel_form())
        page.save_button.clicked.connect(lambda _=False: self.save_form())
        self.form, self.form_title, self.form_result = page.form, page.title, page.result
        self.form_test_button, self.cancel_button = page.test_button, page.cancel_button
        self.save_button = page.save_button
        return page

    # -- the list ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the feeds (and where each token is) again from the file and the keyring."""
        loaded = load_settings(self.config_path)
        self._feeds = loaded.settings.feeds
        self._locations = {}
        problems = list(loaded.problems)
        for feed in self._feeds:
            try:
                self._locations[feed.name] = self.secrets.where(feed.name)
            except SecretStoreError as exc:
                self._locations[feed.name] = None
                problems.append(str(exc))
        self.list_page.show_problems(problems)
        self._fill_table()
        self.schedules_page.reload()
        self.alarm_page.reload()
        self.phones_page.reload()

    def feeds(self) -> tuple[FeedSettings, ...]:
        """The feeds as last read from the file, in file order."""
        return self._feeds

    def token_text(self, name: str) -> str:
        """The token column's text for feed `name`."""
        return self.feeds_list.token_text(name)

    def select_feed(self, name: str) -> None:
        self.feeds_list.select(name)

    def selected_feed(self) -> FeedSettings | None:
        return self.feeds_list.selected()

    def _fill_table(self) -> None:
        self.feeds_list.show_feeds(self._feeds, self._locations)
        self._update_list_buttons()

    def _update_list_buttons(self) -> None:
        has = self.selected_feed() is not None
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        self.test_button.setEnabled(has and _Slot.LIST_TEST not in self._jobs)

    # -- add / edit ---------------------------------------------------------------------------

    def start_add(self) -> None:
        self.form.load_new({feed.name for feed in self._feeds})
        self._open_form("Add a feed")
        self.form.name_edit.setFocus()

    def edit_selected(self) -> None:
        feed = self.selected_feed()
        if feed is not None:
            self.start_edit(feed.name)

    def start_edit(self, name: str) -> None:
        feed = next((feed for feed in self._feeds if feed.name == name), None)
        if feed is None:
            return
        self.form.load_feed(feed, {f.name for f in self._feeds}, self._locations.get(name))
        self._open_form(f"Edit feed {name}")

    def _open_form(self, title: str) -> None:
        self._cancel(_Slot.FORM_TEST)
        self._cancel(_Slot.SAVE_CHECK)
        self.form_title.setText(title)
        self.form_result.clear_state()
        self._set_saving(False)
        self.pages.setCurrentWidget(self.form_page)

    def cancel_form(self) -> None:
        self._cancel(_Slot.FORM_TEST)
        self._cancel(_Slot.SAVE_CHECK)
        self._set_saving(False)
        self._leave_form()

    def _leave_form(self) -> None:
        self.form.token_edit.clear()  # a typed token does not linger in a hidden widget
        self.pages.setCurrentWidget(self.list_page)

    def _form_changed(self) -> None:
        # A result about other values would mislead: "ok" for a URL no longer in the field.
        self._cancel(_Slot.FORM_TEST)
        self.form_result.clear_state()

    def save_form(self) -> None:
        """Check the form, let the adapter check its options, then write file and keyring."""
        if _Slot.SAVE_CHECK in self._jobs:
            return
        self.form.show_save_error("")
        found = self._draft_with_secret(lambda why: self.form.show_save_error(f"Not saved: {why}"))
        if found is None:
            return
        draft, secret = found
        self._set_saving(True)
        self._jobs.submit(
            _Slot.SAVE_CHECK,
            self.operations.check(draft.feed.config, secret),
            CHECK_TIMEOUT_S,
            lambda outcome: self._after_check(draft, outcome),
        )

    def _after_check(self, draft: FeedDraft, outcome: object) -> None:
        self._set_saving(False)
        if isinstance(outcome, BaseException):
            self.form.show_save_error(f"Not saved: {error_text(outcome)}")
            return
        try:
            notes = self._write(draft)
        except ShiftbellError as exc:
            self.form.show_save_error(f"Not saved: {exc}")
            return
        name = draft.feed.name
        self.reload()
        self.select_feed(name)
        self._leave_form()
        verb = "Added" if draft.original_name is None else "Saved"
        text = f"{verb} feed {name}." + "".join(f" {note}" for note in notes)
        self.list_result.show_state(ResultState.ERROR if notes else ResultState.OK, text)
        self.feeds_changed.emit()

    def _set_saving(self, saving: bool) -> None:
        self.save_button.setEnabled(not saving)
        self.save_button.setText("Saving…" if saving else "Save")
        self.form.setEnabled(not saving)

    def _secret_for(self, draft: FeedDraft) -> str:
        """The token the feed will have after saving (to test or check with)."""
        return self.operations.token_after(draft.original_name, draft.token_change, draft.token)

    def _write(self, draft: FeedDraft) -> list[str]:
        """Write the token and the config through the feed operations (the CLI's too)."""
        return self.operations.save(
            draft.original_name, draft.feed, draft.token_change, draft.token, verb="saved"
        )

    # -- remove -------------------------------------------------------------------------------

    def remove_selected(self) -> None:
        feed = self.selected_feed()
        if feed is None:
            return
        name = feed.name
        location = self._locations.get(name)
        token = {
            SecretLocation.KEYRING: " and its token from the OS keyring",
            SecretLocation.FILE: " and its token from Shiftbell's secrets file",
            SecretLocation.NONE: "",
            None: " and its token, if one is stored",
        }[location]
        if not confirm(
            self,
            "Remove feed",
            f"Remove feed {name} ({registry.source(feed.kind).label})?\n\nThis deletes its "
            f"entry from {self.config_path}{token}.",
        ):
            return
        try:
            removed = self.operations.remove(name)
        except ConfigError as exc:
            # The feed is still configured, so its token stayed too.
            self.list_result.show_state(ResultState.ERROR, f"Not removed: {exc}")
            return
        text = f"Removed feed {name}."
        state = ResultState.OK
        if removed.problem:
            text += f" But its token could not be deleted: {removed.problem}"
            state = ResultState.ERROR
        self.reload()
        self.list_result.show_state(state, text)
        self.feeds_changed.emit()

    # -- test connection ----------------------------------------------------------------------

    def test_selected(self) -> None:
        """Test the selected feed as saved: its config and its stored token."""
        feed = self.selected_feed()
        if feed is None:
            return
        try:
            secret = self.secrets.get(feed.name)
        except ShiftbellError as exc:
            self.list_result.show_state(ResultState.ERROR, f"{feed.name}: {exc}")
            return
        busy = f"Testing {feed.name}: connecting to {feed.config.url}…"
        self._start_test(
            _Slot.LIST_TEST, feed.config, secret, self.test_button, self.list_result, busy
        )

    def _draft_with_secret(self, say: Callable[[str], None]) -> tuple[FeedDraft, str] | None:
        """The form's draft and the secret it goes with; None when the form is not complete
        (it shows why) or the secret cannot be had (`say` is told why)."""
        draft = self.form.draft()
        if draft is None:
            return None
        try:
            return draft, self._secret_for(draft)
        except ShiftbellError as exc:
            say(str(exc))
            return None

    def test_form(self) -> None:
        """Test what the form holds now, with the typed token or else the stored one."""
        found = self._draft_with_secret(
            lambda why: self.form_result.show_state(ResultState.ERROR, why)
        )
        if found is None:
            return
        draft, secret = found
        config = draft.feed.config
        busy = f"Connecting to {config.url}…"
        self._start_test(
            _Slot.FORM_TEST, config, secret, self.form_test_button, self.form_result, busy
        )

    def _start_test(
        self,
        slot: _Slot,
        config: FeedConfig,
        secret: str,
        pressed: QPushButton,
        result: ResultLabel,
        busy: str,
    ) -> None:
        """Connect with `config` on the worker loop; `pressed` waits, `result` says how it went."""
        result.show_state(ResultState.BUSY, busy)
        pressed.setEnabled(False)
        pressed.setText("Testing…")

        def done(outcome: object) -> None:
            pressed.setText("Test connection")
            pressed.setEnabled(True)
            self._update_list_buttons()
            if isinstance(outcome, BaseException):
                result.show_state(ResultState.ERROR, f"✗ {config.name}: {error_text(outcome)}")
            else:
                result.show_state(ResultState.OK, f"✓ {config.name}: connection ok — {outcome}")

        self._jobs.submit(
            slot,
            self.operations.test(config, secret, self._test_timeout_s),
            self._test_timeout_s + _GUARD_S,
            done,
        )

    def _cancel(self, slot: _Slot) -> None:
        """Forget the job in `slot` and put its buttons back."""
        job = self._jobs.drop(slot)
        if slot is _Slot.LIST_TEST and job:
            self.test_button.setText("Test connection")
            self._update_list_buttons()
        if slot is _Slot.FORM_TEST and job:
            self.form_test_button.setEnabled(True)
            self.form_test_button.setText("Test connection")
            self.form_result.clear_state()

    def busy(self) -> bool:
        """True while a test or a save check is running."""
        return bool(self._jobs)

    def present(self) -> None:
        """Show the window in front, with the feeds read again (what "Settings…" calls)."""
        if self.isVisible() and self.pages.currentWidget() is self.list_page:
            self.reload()  # show() on a visible window sends no show event
        if self.isMinimized():
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()

    # -- Qt overrides --------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        # The file may have changed meanwhile (`shiftbell feed add`, a text editor).
        if self.pages.currentWidget() is self.list_page and not event.spontaneous():
            self.reload()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.pages.currentWidget() is self.form_page and self.form.is_dirty():
            answer = QMessageBox.question(
                self,
                "Discard changes",
                "Discard the changes to this feed? They have not been saved.",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        for slot in _Slot:
            self._cancel(slot)
        self._set_saving(False)
        self._leave_form()
        self.list_result.clear_state()
        event.accept()

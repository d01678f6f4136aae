"""The add/edit form of one feed, inside the Settings window.

The form only collects and checks: every rule comes from settings/feed_rules.py
and each source's declaration (sources/<vendor>/__init__.py), so the window, the
CLI and the config loader can never disagree about what a valid feed is. Saving,
testing and the keyring belong to the window (settings_window.py); the form
hands it a `FeedDraft`.

The stored token is never read into the form. On edit the token field starts
empty with "unchanged" as its placeholder: typing replaces the token, leaving it
empty keeps it, and "Remove stored token" deletes it on save.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import Enum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from shiftbell.operations.feeds import TokenChange
from shiftbell.settings import feed_rules
from shiftbell.settings.model import (
    DEFAULT_FEED_INTERVAL_S,
    MAX_FEED_INTERVAL_S,
    MAX_FEED_STALE_AFTER_S,
    FeedSettings,
    default_stale_after_s,
)
from shiftbell.sources import registry
from shiftbell.sources.build import available_feed_kinds
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.spec import SecretNeed, SourceSpec
from shiftbell.store.credentials import SecretLocation
from shiftbell.ui.form_widgets import (
    ERROR_STYLE,
    NOTE_STYLE,
    message_label,
    seconds_spin,
    sentence,
)
from shiftbell.ui.options_editor import OptionsEditor
from shiftbell.ui.token_field import TokenField

log = logging.getLogger(__name__)


class Field(Enum):
    """The parts of the form that can have a problem of their own."""

    NAME = "name"
    URL = "url"
    INTERVAL = "interval"
    STALE_AFTER = "stale_after"
    TOKEN = "token"
    OPTIONS = "options"


@dataclass(frozen=True)
class FeedDraft:
    """A valid feed as the form holds it, ready to save or to test.

    Attributes:
        feed: the settings for config.toml.
        original_name: the name the feed had when the form opened; None for a new feed.
        token_change: what to do with the stored token.
        token: the new token with SET, otherwise "". Kept out of repr, so out of logs.
    """

    feed: FeedSettings
    original_name: str | None
    token_change: TokenChange
    token: str = field(default="", repr=False)


class FeedForm(QWidget):
    """Fields of one feed with their problems shown under them as the person types.

    A field's problem shows once the field was edited, or for every field once the
    person tried to save or test (`draft(reveal=True)`), so a new, empty form does
    not open covered in red.

    Signals:
        changed(): any value changed (the window clears a stale test result).

    Attributes:
        kind_combo, name_edit, url_edit, interval_spin, stale_spin, enabled_check,
        token_edit, forget_token_button, options_table, add_option_button,
        remove_option_button: the inputs.
        errors: the problem label of each Field.
        token_note, options_note, advice_label: neutral notes.
        error_label: why the last save failed (set by the window).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._original: FeedSettings | None = None
        self._existing_names: set[str] = set()
        self._touched: set[Field] = set()
        self._reveal = False
        self._url_is_default = False
        self._stale_follows_interval = True
        self._kind = registry.feed_kinds()[0]
        self._loading = False
        self._snapshot: object = None
        self.errors: dict[Field, QLabel] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget(scroll)
        scroll.setWidget(body)
        form = QFormLayout(body)
        form.setContentsMargins(2, 2, 10, 2)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(8)
        self._form = form

        self.kind_combo = QComboBox(body)
        self.kind_combo.setObjectName("kind")
        available = set(available_feed_kinds())
        for source in registry.feed_sources():
            self.kind_combo.addItem(source.label, source.id)
            if source.id not in available:
                # Shown but not offered, so the person learns why it is missing.
                index = self.kind_combo.count() - 1
                self.kind_combo.setItemText(index, f"{source.label} (not in this build)")
                item = self.kind_combo.model().item(index)  # type: ignore[attr-defined]
                item.setEnabled(False)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        _add_row(form, "Kind:", self.kind_combo)

        self.name_edit = QLineEdit(body)
        self.name_edit.setObjectName("name")
        self.name_edit.setPlaceholderText("a short name, e.g. work-pd")
        self.name_edit.setMaxLength(200)  # long enough that the rule, not the field, says no
        self.name_edit.textEdited.connect(lambda _: self._edited(Field.NAME))
        _add_row(form, "Name:", self._with_error(self.name_edit, Field.NAME))

        self.url_edit = QLineEdit(body)
        self.url_edit.setObjectName("url")
        self.url_edit.textEdited.connect(self._on_url_edited)
        _add_row(form, "URL:", self._with_error(self.url_edit, Field.URL))

        self.interval_spin = seconds_spin(self, "interval", MAX_FEED_INTERVAL_S * 24)
        self.interval_spin.setToolTip("How often Shiftbell asks the source for its alerts")
        self.interval_spin.valueChanged.connect(self._on_interval_changed)
        _add_row(form, "Check every:", self._with_error(self.interval_spin, Field.INTERVAL))

        self.stale_spin = seconds_spin(self, "stale-after", MAX_FEED_STALE_AFTER_S * 2)
        self.stale_spin.setToolTip(
            "Raise a critical \u201cfeed down\u201d alert when the source has not answered "
            "for this long"
        )
        self.stale_spin.valueChanged.connect(self._on_stale_changed)
        _add_row(form, "Feed down after:", self._with_error(self.stale_spin, Field.STALE_AFTER))

        self.enabled_check = QCheckBox("Run this feed", body)
        self.enabled_check.setObjectName("enabled")
        self.enabled_check.setChecked(True)
        self.enabled_check.toggled.connect(lambda _: self._values_changed())
        _add_row(form, "", self.enabled_check)

        self.token_field = TokenField(body)
        self.token_field.edited.connect(self._token_edited)
        self.token_edit = self.token_field.edit
        self.forget_token_button = self.token_field.forget_button
        self.token_note = self.token_field.note
        self.errors[Field.TOKEN] = self.token_field.error
        _add_row(form, "Token:", self.token_field)

        _add_row(form, "Options:", self._build_options(body))

        self.advice_label = message_label(NOTE_STYLE, "advice", body)
        _add_row(form, "", self.advice_label)
        self.error_label = message_label(ERROR_STYLE, "save-error", body)
        _add_row(form, "", self.error_label)

        self.load_new(set())

    # -- building ----------------------------------------------------------------------------

    def _with_error(self, widget: QWidget, which: Field) -> QWidget:
        box = QWidget(widget.parentWidget())
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(widget)
        self.errors[which] = message_label(ERROR_STYLE, f"{which.value}-error", box)
        column.addWidget(self.errors[which])
        return box

    def _build_options(self, parent: QWidget) -> QWidget:
        self.options_editor = OptionsEditor(parent)
        self.options_editor.edited.connect(lambda: self._edited(Field.OPTIONS))
        self.options_table = self.options_editor.table
        self.add_option_button = self.options_editor.add_button
        self.remove_option_button = self.options_editor.remove_button
        self.options_note = self.options_editor.note
        self.errors[Field.OPTIONS] = self.options_editor.error
        return self.options_editor

    # -- loading -----------------------------------------------------------------------------

    def load_new(self, existing_names: set[str]) -> None:
        """An empty form for a new feed; `existing_names` are taken."""
        self._load(None, existing_names, SecretLocation.NONE)

    def load_feed(
        self, feed: FeedSettings, existing_names: set[str], location: SecretLocation | None
    ) -> None:
        """The form for `feed`; `location` is where its token is (None: the keyring did not say)."""
        self._load(feed, existing_names, location)

    def _load(
        self,
        feed: FeedSettings | None,
        existing_names: set[str],
        location: SecretLocation | None,
    ) -> None:
        self._loading = True
        try:
            self._original = feed
            self._existing_names = set(existing_names)
            self.token_field.load(location, stored_before=feed is not None)
            self._touched.clear()
            self._reveal = False
            kind = feed.kind if feed is not None else self._first_available_kind()
            self._kind = kind
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
            self.name_edit.setText(feed.name if feed is not None else "")
            self.error_label.clear()
            self.error_label.hide()
            if feed is None:
                self._url_is_default = True
                self.url_edit.setText(registry.source(kind).url_for({}) or "")
                interval = max(DEFAULT_FEED_INTERVAL_S, registry.source(kind).min_interval_s)
                self.interval_spin.setValue(interval)
                self._stale_follows_interval = True
                self.stale_spin.setValue(default_stale_after_s(interval))
                self.enabled_check.setChecked(True)
                self.options_editor.fill(registry.source(kind), {})
            else:
                config = feed.config
                self.url_edit.setText(config.url)
                self._url_is_default = config.url == registry.source(kind).url_for(config.options)
                self.interval_spin.setValue(config.interval_s)
                # A stale limit the person never chose keeps following the interval.
                self._stale_follows_interval = config.stale_after_s == default_stale_after_s(
                    config.interval_s
                )
                self.stale_spin.setValue(config.stale_after_s)
                self.enabled_check.setChecked(feed.enabled)
                self.options_editor.fill(registry.source(kind), dict(config.options))
        finally:
            self._loading = False
        self._update_kind_texts()
        self._refresh()
        self._snapshot = self._values()

    def _first_available_kind(self) -> str:
        for index in range(self.kind_combo.count()):
            item = self.kind_combo.model().item(index)  # type: ignore[attr-defined]
            if item.isEnabled():
                return str(self.kind_combo.itemData(index))
        return registry.feed_kinds()[0]

    # -- reading -----------------------------------------------------------------------------

    @property
    def original_name(self) -> str | None:
        """The name of the feed being edited; None while adding."""
        return self._original.name if self._original is not None else None

    def kind(self) -> str:
        return self._kind

    def source(self) -> SourceSpec:
        return registry.source(self._kind)

    def options(self) -> dict[str, str]:
        """The options with a value, in table order; empty values mean "the default"."""
        found: dict[str, str] = {}
        for key, value in self.options_editor.rows():
            if key and value and key not in found:
                found[key] = value
        return found

    def config(self) -> FeedConfig:
        """The feed as the fields stand, valid or not (the rules check it)."""
        return FeedConfig(
            name=self.name_edit.text().strip(),
            kind=self._kind,
            url=self.url_edit.text().strip(),
            options=self.options(),
            interval_s=self.interval_spin.value(),
            stale_after_s=self.stale_spin.value(),
        )

    def token_change(self) -> TokenChange:
        return self.token_field.change()

    def problems(self) -> dict[Field, str]:
        """Everything that stops saving, by field; empty when the form is valid."""
        config = self.config()
        source = registry.source(config.kind)
        found: dict[Field, str | None] = {
            Field.NAME: feed_rules.name_problem(config.name),
            Field.URL: feed_rules.url_problem(config.url),
            Field.INTERVAL: feed_rules.interval_problem(config.kind, config.interval_s),
            Field.STALE_AFTER: feed_rules.stale_after_problem(
                config.interval_s, config.stale_after_s
            ),
            Field.OPTIONS: self.options_editor.problem(config),
            Field.TOKEN: None,
        }
        if found[Field.NAME] is None and config.name in self._existing_names - {self.original_name}:
            found[Field.NAME] = f'a feed named "{config.name}" already exists: choose another name'
        if source.secret.need is SecretNeed.REQUIRED and not self.token_field.will_have_token():
            found[Field.TOKEN] = f"a {source.name} feed needs its {source.secret.word}"
        return {key: text for key, text in found.items() if text is not None}

    def draft(self, *, reveal: bool = True) -> FeedDraft | None:
        """The feed to save or test, or None if a field has a problem (then shown, with reveal)."""
        if reveal:
            self._reveal = True
            self._refresh()
        problems = self.problems()
        if problems:
            if reveal:
                self._focus(next(iter(problems)))
            return None
        change = self.token_change()
        return FeedDraft(
            feed=FeedSettings(self.config(), enabled=self.enabled_check.isChecked()),
            original_name=self.original_name,
            token_change=change,
            token=self.token_field.text() if change is TokenChange.SET else "",
        )

    def is_dirty(self) -> bool:
        """True when something differs from what the form was loaded with."""
        return self._values() != self._snapshot

    def show_save_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # -- reacting ----------------------------------------------------------------------------

    def _edited(self, which: Field) -> None:
        if self._loading:
            return
        self._touched.add(which)
        self._values_changed()

    def _values_changed(self) -> None:
        if self._loading:
            return
        self.error_label.hide()
        self._refresh()
        self.changed.emit()

    def _on_url_edited(self, _: str) -> None:
        self._url_is_default = False
        self._edited(Field.URL)

    def _on_interval_changed(self, value: float) -> None:
        if self._loading:
            return
        if self._stale_follows_interval:
            self._loading = True
            try:
                self.stale_spin.setValue(default_stale_after_s(value))
            finally:
                self._loading = False
        self._edited(Field.INTERVAL)

    def _on_stale_changed(self, _: float) -> None:
        if self._loading:
            return
        self._stale_follows_interval = False
        self._edited(Field.STALE_AFTER)

    def _on_kind_changed(self, index: int) -> None:
        if self._loading or index < 0:
            return
        old = self._kind
        kind = str(self.kind_combo.itemData(index))
        self._kind = kind
        self._loading = True
        try:
            if self._url_is_default or not self.url_edit.text().strip():
                self.url_edit.setText(registry.source(kind).url_for(self.options()) or "")
                self._url_is_default = True
            # Only a default interval follows the kind; one the person set stays.
            old_default = max(DEFAULT_FEED_INTERVAL_S, registry.source(old).min_interval_s)
            if self.interval_spin.value() == old_default:
                interval = max(DEFAULT_FEED_INTERVAL_S, registry.source(kind).min_interval_s)
                self.interval_spin.setValue(interval)
                if self._stale_follows_interval:
                    self.stale_spin.setValue(default_stale_after_s(interval))
            self.options_editor.fill(registry.source(kind), self.options())
        finally:
            self._loading = False
        self._update_kind_texts()
        self._values_changed()

    def _token_edited(self) -> None:
        self._update_kind_texts()
        self._edited(Field.TOKEN)

    def _refresh(self) -> None:
        """Show each field's problem (if it may be shown) and the advice."""
        problems = self.problems()
        if self._original is not None:
            shown = set(Field)  # an existing feed's values are the person's, not blanks
        elif self._reveal:
            shown = set(Field)
        else:
            shown = self._touched
        for which, label in self.errors.items():
            text = problems.get(which, "") if which in shown else ""
            label.setText(sentence(text) if text else "")
            label.setVisible(bool(text))
        advice = self.source().feed_advice(self.options())
        self.advice_label.setText("\n".join(sentence(text) for text in advice))
        self.advice_label.setVisible(bool(advice))
        if self._url_is_default and not self._loading:
            default = self.source().url_for(self.options())
            if default is not None and default != self.url_edit.text():
                self._loading = True
                try:
                    self.url_edit.setText(default)  # Opsgenie api=jsm lives at Atlassian
                finally:
                    self._loading = False

    def _focus(self, which: Field) -> None:
        widget: QWidget = {
            Field.NAME: self.name_edit,
            Field.URL: self.url_edit,
            Field.INTERVAL: self.interval_spin,
            Field.STALE_AFTER: self.stale_spin,
            Field.TOKEN: self.token_edit,
            Field.OPTIONS: self.options_table,
        }[which]
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_kind_texts(self) -> None:
        source = self.source()
        self.url_edit.setPlaceholderText(source.address.example)
        self.token_field.show_texts(source)
        self.options_editor.show_option_text()

    # -- snapshot for is_dirty ---------------------------------------------------------------

    def _values(self) -> object:
        return (
            self._kind,
            self.name_edit.text(),
            self.url_edit.text(),
            self.interval_spin.value(),
            self.stale_spin.value(),
            self.enabled_check.isChecked(),
            tuple(self.options_editor.rows()),
            bool(self.token_edit.text()),
            self.token_field.delete_stored,
        )


def _add_row(form: QFormLayout, text: str, field_widget: QWidget) -> None:
    label = QLabel(field_widget.parentWidget())
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    form.addRow(label, field_widget)

"""The Settings window's Alarm page: what an unacknowledged alert does over time, per severity,
and the quiet hours; saved into config.toml in place (settings/value_editor.py).

The page never decides what a valid value is: the new text is read with the app's own loader
first, and a value it would not take is said here and nothing is written. After a save the
app reads the config again, and the running alarm follows at once (UiController.set_policy).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from shiftbell.core.errors import ConfigError
from shiftbell.core.escalation import SeverityPolicy, Sound
from shiftbell.settings import schema
from shiftbell.settings.model import Settings
from shiftbell.settings.schema import KeyPath
from shiftbell.settings.template import SEVERITIES
from shiftbell.settings.toml_store import parse_settings, read_settings
from shiftbell.settings.value_editor import Scalar, edited_text, write_edited
from shiftbell.ui.form_widgets import ERROR_STYLE, NOTE_STYLE, message_label, plain_label

SOUNDS = ("none", *(sound.value for sound in Sound))
# The duration keys of a severity, as the schema declares them (label, help, bounds).
DURATIONS = tuple(
    key
    for key in schema.SEVERITY
    if key.type in (schema.ValueType.SECONDS, schema.ValueType.SECONDS_OR_NEVER)
)


class SeverityFields(QGroupBox):
    """The fields of one [escalation.SEVERITY] table."""

    def __init__(self, severity: str, parent: QWidget | None = None) -> None:
        super().__init__(severity.capitalize(), parent)
        self.setObjectName(f"escalation-{severity}")
        self.severity = severity
        form = QFormLayout(self)
        self.sound = QComboBox(self)
        self.sound.addItems(list(SOUNDS))
        form.addRow(_label(schema.key(schema.SEVERITY, "sound"), self), self.sound)
        loop = schema.key(schema.SEVERITY, "loop")
        self.loop = QCheckBox(loop.label, self)
        self.loop.setToolTip(loop.help)
        form.addRow(self.loop)
        volumes = QHBoxLayout()
        self.volume_start = _volume(self)
        self.volume_end = _volume(self)
        volumes.addWidget(self.volume_start)
        volumes.addWidget(plain_label("to", self))
        volumes.addWidget(self.volume_end)
        form.addRow(plain_label("Volume:", self), volumes)
        self.durations: dict[str, QSpinBox] = {}
        for key in DURATIONS:
            spin = _seconds_box(key, self)
            spin.setObjectName(f"{severity}-{key.name}")
            self.durations[key.name] = spin
            form.addRow(_label(key, self), spin)

    def show_policy(self, policy: SeverityPolicy) -> None:
        self.sound.setCurrentText(policy.sound.value if policy.sound is not None else "none")
        self.loop.setChecked(policy.loop)
        self.volume_start.setValue(policy.volume_start)
        self.volume_end.setValue(policy.volume_end)
        for key in DURATIONS:
            self.durations[key.name].setValue(_seconds(getattr(policy, key.attribute)))

    def values(self) -> dict[KeyPath, Scalar]:
        table = ("escalation", self.severity)
        found: dict[KeyPath, Scalar] = {
            (*table, "sound"): self.sound.currentText(),
            (*table, "loop"): self.loop.isChecked(),
            (*table, "volume_start"): round(self.volume_start.value(), 2),
            (*table, "volume_end"): round(self.volume_end.value(), 2),
        }
        for key, spin in self.durations.items():
            found[(*table, key)] = spin.value()
        return found


class AlarmPage(QWidget):
    """The escalation per severity and the quiet hours of `config_path`.

    Signals:
        changed(): the settings were saved; the app reads the config again.

    Attributes:
        severities: the SeverityFields of info, warning and critical.
        quiet_hours, quiet_critical, off_shift_critical, reminder: the [schedule] fields.
        save_button, revert_button, result: the page's buttons and outcome line.
    """

    changed = Signal()

    def __init__(self, config_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config_path = config_path
        self._problems: list[str] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        body = QWidget(scroll)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        grid = QGridLayout(body)
        self.severities = {name: SeverityFields(name, body) for name in SEVERITIES}
        for column, fields in enumerate(self.severities.values()):
            grid.addWidget(fields, 0, column)

        quiet = QGroupBox("Quiet hours and shifts", body)
        quiet.setObjectName("quiet-hours")
        form = QFormLayout(quiet)
        hours = schema.key(schema.SCHEDULE, "quiet_hours")
        self.quiet_hours = QLineEdit(quiet)
        self.quiet_hours.setPlaceholderText("like 22:00-07:00; empty = none")
        self.quiet_hours.setToolTip(hours.help)
        form.addRow(_label(hours, quiet), self.quiet_hours)
        self.quiet_critical = _check(
            schema.key(schema.SCHEDULE, "quiet_hours_critical_alarms"), quiet
        )
        form.addRow(self.quiet_critical)
        self.off_shift_critical = _check(
            schema.key(schema.SCHEDULE, "off_shift_critical_alarms"), quiet
        )
        form.addRow(self.off_shift_critical)
        reminder = schema.key(schema.SCHEDULE, "reminder_before_s")
        self.reminder = _seconds_box(reminder, quiet)
        form.addRow(_label(reminder, quiet), self.reminder)
        check = schema.key(schema.SCHEDULE, "check_before_s")
        self.check_before = _seconds_box(check, quiet)
        form.addRow(_label(check, quiet), self.check_before)
        self.check_sound = _check(schema.key(schema.SCHEDULE, "check_sound"), quiet)
        form.addRow(self.check_sound)
        grid.addWidget(quiet, 1, 0, 1, len(self.severities))

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.revert_button = QPushButton("Revert", self)
        self.revert_button.setAutoDefault(False)
        self.revert_button.clicked.connect(lambda _=False: self.reload())
        self.save_button = QPushButton("Save alarm settings", self)
        self.save_button.setObjectName("save-alarm")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(lambda _=False: self.save())
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        self.result = message_label(NOTE_STYLE, "alarm-result", self)
        outer.addWidget(self.result)
        self.reload()

    def reload(self) -> None:
        """Show what the file says now (defaults where it says nothing)."""
        loaded = read_settings(self.config_path)
        settings = loaded.settings if loaded.readable else Settings()
        self._problems = list(loaded.problems)
        for name, fields in self.severities.items():
            fields.show_policy(getattr(settings.escalation, name))
        schedule = settings.schedule
        hours = schedule.quiet_hours
        self.quiet_hours.setText("" if hours is None else f"{hours[0]:%H:%M}-{hours[1]:%H:%M}")
        self.quiet_critical.setChecked(schedule.quiet_hours_critical_alarms)
        self.off_shift_critical.setChecked(schedule.off_shift_critical_alarms)
        self.reminder.setValue(_seconds(schedule.reminder_lead))
        self.check_before.setValue(_seconds(schedule.check_lead))
        self.check_sound.setChecked(schedule.check_sound)

    def values(self) -> dict[KeyPath, Scalar]:
        found: dict[KeyPath, Scalar] = {}
        for fields in self.severities.values():
            found.update(fields.values())
        found[("schedule", "quiet_hours")] = self.quiet_hours.text().strip()
        found[("schedule", "quiet_hours_critical_alarms")] = self.quiet_critical.isChecked()
        found[("schedule", "off_shift_critical_alarms")] = self.off_shift_critical.isChecked()
        found[("schedule", "reminder_before_s")] = self.reminder.value()
        found[("schedule", "check_before_s")] = self.check_before.value()
        found[("schedule", "check_sound")] = self.check_sound.isChecked()
        return found

    def save(self) -> None:
        """Check the values with the app's loader, then write them; nothing is written when
        the loader would not take one."""
        values = self.values()
        try:
            text, original = edited_text(self.config_path, values)
        except ConfigError as exc:
            self._say(f"Not saved: {exc}", error=True)
            return
        _, problems = parse_settings(text, str(self.config_path))
        # Compared without line numbers: new keys move the lines of what was there before.
        before = {_unplaced(problem) for problem in self._problems}
        new = [problem for problem in problems if _unplaced(problem) not in before]
        if new:
            self._say("Not saved: " + "\n".join(new), error=True)
            return
        try:
            write_edited(self.config_path, text, original)
        except ConfigError as exc:
            self._say(f"Not saved: {exc}", error=True)
            return
        self.reload()
        self._say("Saved: the alarm follows the new settings now.")
        self.changed.emit()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.result.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)
        self.result.setText(text)
        self.result.show()


def _unplaced(problem: str) -> str:
    return re.sub(r"line \d+: ", "", problem)


def _label(key: schema.SettingKey, parent: QWidget) -> QLabel:
    label = plain_label(f"{key.label}:", parent)
    label.setToolTip(key.help)
    return label


def _check(key: schema.SettingKey, parent: QWidget) -> QCheckBox:
    box = QCheckBox(key.label, parent)
    box.setToolTip(key.help)
    return box


def _seconds_box(key: schema.SettingKey, parent: QWidget) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(int(key.low or 0), int(key.high if key.high is not None else schema.DAY_S))
    spin.setToolTip(key.help)
    return spin


def _volume(parent: QWidget) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setRange(0.0, 1.0)
    spin.setSingleStep(0.05)
    spin.setDecimals(2)
    return spin


def _seconds(value: timedelta | None) -> int:
    return 0 if value is None else round(value.total_seconds())

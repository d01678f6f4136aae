"""Adding, changing and removing [[schedules]] in the person's own config file
(entry_list_editor, pointed at the `schedules` array of tables)."""

from __future__ import annotations

from shiftbell.settings.entry_list_editor import EntryListEditor
from shiftbell.settings.entry_readers import SCHEDULE_KEYS
from shiftbell.settings.schedule_rules import schedule_problems
from shiftbell.settings.template import schedule_table_lines
from shiftbell.sources.schedule import ScheduleSourceConfig

SCHEDULES: EntryListEditor[ScheduleSourceConfig] = EntryListEditor(
    "schedules", "schedule", SCHEDULE_KEYS, schedule_problems, schedule_table_lines
)
add_schedule = SCHEDULES.add
update_schedule = SCHEDULES.update
remove_schedule = SCHEDULES.remove

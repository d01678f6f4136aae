"""Adding, changing and removing [[phones]] in the person's own config file
(entry_list_editor, pointed at the `phones` array of tables)."""

from __future__ import annotations

from shiftbell.phones.channel import PhoneConfig
from shiftbell.settings.entry_list_editor import EntryListEditor
from shiftbell.settings.entry_readers import PHONE_KEYS
from shiftbell.settings.phone_rules import phone_problems
from shiftbell.settings.template import phone_table_lines

PHONES: EntryListEditor[PhoneConfig] = EntryListEditor(
    "phones", "phone", PHONE_KEYS, phone_problems, phone_table_lines
)

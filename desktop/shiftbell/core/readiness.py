"""Is everything that wakes the person working? The answers of a pre-shift check, and the
alerts they become.

Each check that fails is a warning alert of Shiftbell's own (the local feed, key
`check:WHAT`), worded as what to fix: a broken feed or muted speakers are caught before the
shift, not at 3 a.m. The next check that passes resolves it. Nothing here does I/O: the
checks are made by runtime/readiness.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shiftbell.core.alert import Incoming, Severity

KEY_PREFIX = "check:"
SOURCE = "Shiftbell check"


@dataclass(frozen=True)
class CheckItem:
    """One thing checked.

    Attributes:
        key: stable, for the alert ("feed:work-pd", "sound", "phone:pager").
        what: what was checked, for people ("Feed work-pd").
        ok: it works.
        detail: what was seen ("token rejected (401)"; "listening", "3 devices").
        fix: what to do when it does not work.
    """

    key: str
    what: str
    ok: bool
    detail: str = ""
    fix: str = ""


def as_alerts(items: Iterable[CheckItem], when: str, raised: Iterable[str]) -> list[Incoming]:
    """A warning for each failed check, and a resolution for each warning in `raised` (the
    keys of the check alerts active now) that this check did not find again: fixed, or no
    longer there to check (a feed removed). `when` says which check ("before your shift")."""
    found = []
    failing = set()
    for item in items:
        if item.ok:
            continue
        key = KEY_PREFIX + item.key
        failing.add(key)
        found.append(
            Incoming(
                key,
                f"{item.what}: {item.detail}" if item.detail else f"{item.what} does not work",
                Severity.WARNING,
                summary=f"Found {when}. {item.fix}".strip(),
                labels=(("check", item.key),),
            )
        )
    for key in raised:
        if key.startswith(KEY_PREFIX) and key not in failing:
            found.append(Incoming(key, key, Severity.WARNING, firing=False))
    return found


def summary(items: Sequence[CheckItem]) -> str:
    failed = [item for item in items if not item.ok]
    if not failed:
        return f"All {len(items)} checks passed."
    return f"{len(failed)} of {len(items)} checks failed: " + "; ".join(
        f"{item.what}: {item.detail}" for item in failed
    )

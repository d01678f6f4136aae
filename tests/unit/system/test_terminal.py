"""Alert text on a terminal is plain text."""

import sys

import pytest

from shiftbell.system.terminal import escaped, one_line, terminal_safe_output


def test_escape_sequences_are_shown_not_obeyed() -> None:
    assert escaped("\x1b]0;pwned\x07title\x1b[2J") == "\\x1b]0;pwned\\x07title\\x1b[2J"
    assert escaped("line one\nline two\ttab") == "line one\nline two\ttab"
    assert escaped("\x9b31m C1 and \u2028 separator") == "\\x9b31m C1 and \\u2028 separator"


def test_a_listing_field_is_one_bounded_line() -> None:
    assert one_line("a\nb") == "a\\nb"
    huge = one_line("x" * 100_000)
    assert len(huge) == 200 and huge.endswith("…")


def test_everything_the_cli_prints_goes_through_the_escaping(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with terminal_safe_output():
        print("\x1b[2Jcleared?")
        print("\x1b]0;x\x07", file=sys.stderr)
    captured = capsys.readouterr()
    assert captured.out == "\\x1b[2Jcleared?\n"
    assert captured.err == "\\x1b]0;x\\x07\n"

"""The README's option tables are the sources' declarations written out (update_readme.py)."""

from pathlib import Path

from shiftbell.sources.docs import README_BEGIN, README_END, readme_tables

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_option_tables_match_the_declarations() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index(README_BEGIN)
    end = text.index(README_END) + len(README_END)
    assert text[start:end] == readme_tables(), "run: python tools/update_readme.py"

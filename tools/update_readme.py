"""Rewrite the README's generated part: the option tables of every source, from their declarations.

    python tools/update_readme.py          # rewrite README.md
    python tools/update_readme.py --check  # exit 1 if README.md is stale

tests/unit/test_readme.py runs the check, so a source whose options change without this
being run fails the tests.
"""

import sys
from pathlib import Path

from shiftbell.sources.docs import README_BEGIN, README_END, readme_tables

README = Path(__file__).resolve().parents[1] / "README.md"


def updated(text: str) -> str:
    start = text.index(README_BEGIN)
    end = text.index(README_END) + len(README_END)
    return text[:start] + readme_tables() + text[end:]


def main() -> int:
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in sys.argv[1:]:
        if new != text:
            print("README.md is stale: run python tools/update_readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

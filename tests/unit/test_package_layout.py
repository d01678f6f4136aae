"""The package's shape: every package is installed, the root holds little, modules stay small."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "desktop" / "shiftbell"
MAX_LINES = 500


def test_pyproject_installs_every_package() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        "shiftbell." + ".".join(init.parent.relative_to(PACKAGE).parts)
        for init in PACKAGE.rglob("__init__.py")
        if init.parent != PACKAGE
    }
    assert set(declared["packages"]) == found | {"shiftbell", "shiftbell.resources"}


def test_the_package_root_holds_the_composition_root_and_little_else() -> None:
    modules = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert modules == ["__init__.py", "__main__.py", "app.py"]


def test_no_module_grows_past_its_limit() -> None:
    over = {}
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            over[name] = lines
    assert over == {}


def test_every_package_says_what_it_is() -> None:
    for init in PACKAGE.rglob("__init__.py"):
        text = init.read_text(encoding="utf-8")
        assert text.lstrip().startswith('"""'), init.relative_to(PACKAGE)

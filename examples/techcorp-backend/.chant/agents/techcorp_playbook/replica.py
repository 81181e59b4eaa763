"""ext.2 database migration: the read replica, its denormalized views and the replica repository."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

from . import harness, sql
from .assembly import assembly_source
from .common import Spec, fault, normalise

SVC = "services/reporting"

MIGRATION = '''"""001_initial: denormalized reporting views on the READ REPLICA (never applied to the primary).

Each daily view collapses one owning module's table to (account, day) rows, so a report costs a few
GROUP BY reads instead of one query per account and day.  Applied by ``provision_replica`` after
every refresh from the primary.
"""

from __future__ import annotations

import sqlite3

VIEWS = {views!r}

INDEXES = {indexes!r}


def upgrade(conn: sqlite3.Connection) -> None:
    for statement in INDEXES:
        conn.execute(statement)
    for name, select in VIEWS.items():
        conn.execute(f"DROP VIEW IF EXISTS {{name}}")
        conn.execute(f"CREATE VIEW {{name}} AS {{select}}")
    conn.commit()


def downgrade(conn: sqlite3.Connection) -> None:
    for name in VIEWS:
        conn.execute(f"DROP VIEW IF EXISTS {{name}}")
    conn.commit()
'''

DATABASE_HEAD = '''"""Data access of the reporting service: a READ REPLICA with its own pool, never the primary.

* ``provision_replica(primary, replica)`` refreshes a separate SQLite file from the primary with the
  sqlite3 backup API and applies ``migrations/001_initial.py`` (the denormalized views) to it.
* ``ReplicaDatabase(url)`` opens that file read-only (``mode=ro`` plus ``PRAGMA query_only``) through
  its own ``ReplicaPool``; the monolith's pool is never used.
* ``ViewReportingRepository`` answers the repository API from the views.
* ``build_repository_from_env()`` reads ``REPORTING_REPLICA_URL`` (``sqlite:////abs/path.db``).
"""

from __future__ import annotations

import importlib.util
import os
import queue
import threading
from pathlib import Path

'''

DATABASE_TAIL = '''

# --- the replica ------------------------------------------------------------------------------------

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def _migration(name: str = "001_initial"):
    # File names start with a digit, so they are loaded by path rather than imported.
    spec = importlib.util.spec_from_file_location(f"reporting_migration_{name}", MIGRATIONS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def replica_path(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise ValueError(f"unsupported replica URL {url!r}; expected sqlite:///<path>")
    return url[len("sqlite:///"):]


def provision_replica(primary: str | os.PathLike, replica: str | os.PathLike) -> Path:
    """Refresh ``replica`` from ``primary`` (online backup: consistent even while the primary is written)."""
    source = sqlite3.connect(f"file:{primary}?mode=ro", uri=True)
    target = sqlite3.connect(str(replica))
    try:
        source.backup(target)
        _migration().upgrade(target)
    finally:
        target.close()
        source.close()
    return Path(replica)


class ReplicaPool:
    """A fixed-size pool of read-only connections to the replica (separate from the monolith's pool)."""

    def __init__(self, path: str, size: int = 5, timeout: float = 10.0):
        self.path, self.size, self._timeout = path, size, timeout
        self._idle: queue.LifoQueue = queue.LifoQueue(maxsize=size)
        self._created = 0
        self._lock = threading.Lock()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        return conn

    def acquire(self) -> sqlite3.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._created < self.size:
                self._created += 1
                return self._open()
        return self._idle.get(timeout=self._timeout)

    def release(self, conn: sqlite3.Connection) -> None:
        conn.set_trace_callback(None)
        self._idle.put_nowait(conn)

    @contextmanager
    def connection(self):
        conn = self.acquire()
        try:
            yield conn
        finally:
            self.release(conn)


class ReplicaDatabase:
    def __init__(self, url: str, pool_size: int = 5):
        self.url = url
        self.path = replica_path(url)
        if not Path(self.path).exists():
            raise FileNotFoundError(f"replica {self.path} is not provisioned (run provision_replica)")
        self.pool = ReplicaPool(self.path, pool_size)

    def connection(self):
        return self.pool.connection()


class ViewReportingRepository(ReportingRepositoryBase):
    """The repository API over the replica's denormalized views."""

    SQL_METRICS = """{metrics}"""
    SQL_SESSIONS = """{sessions}"""
    SQL_SCHEDULES = """{schedules}"""

    def __init__(self, database: ReplicaDatabase, counter=None):
        super().__init__(database.connection, counter)
        self.database = database


def build_repository_from_env() -> ViewReportingRepository:
    url = os.environ.get("REPORTING_REPLICA_URL")
    if not url:
        raise RuntimeError("REPORTING_REPLICA_URL is not set (the service reads only from the replica)")
    return ViewReportingRepository(ReplicaDatabase(url, int(os.environ.get("REPORTING_POOL_SIZE", "5"))))
'''

TERRAFORM = '''# Read replica for the extracted reporting service (logical replica of the primary).
# Checked as text by the example agent; never applied.

variable "primary_instance_id" {
  type        = string
  description = "Identifier of the monolith's primary database"
}

resource "aws_db_parameter_group" "reporting_replica" {
  name   = "techcorp-reporting-replica"
  family = "postgres16"

  parameter {
    name  = "max_connections"
    value = "50"
  }
}

resource "aws_db_instance" "reporting_replica" {
  identifier           = "techcorp-reporting-replica"
  replicate_source_db  = var.primary_instance_id
  instance_class       = "db.r6g.large"
  parameter_group_name = aws_db_parameter_group.reporting_replica.name
  publicly_accessible  = false
  skip_final_snapshot  = true

  tags = {
    service = "reporting"
    owner   = "team-c-insights"
  }
}

output "reporting_replica_endpoint" {
  value = aws_db_instance.reporting_replica.endpoint
}
'''


def database_source(root: Path) -> str:
    return DATABASE_HEAD + assembly_source(root) + (
        DATABASE_TAIL.replace("{metrics}", sql.VIEW_METRICS).replace("{sessions}", sql.VIEW_SESSIONS)
        .replace("{schedules}", sql.VIEW_SCHEDULES))


# --- checks ---------------------------------------------------------------------------------------

def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _corpus():
    from datetime import date

    return [("daily", (date(2026, 1, 20), None)), ("daily", (date(2026, 1, 15), 4)), ("weekly", ("2026-W03",)),
            ("custom", (date(2026, 1, 1), date(2026, 1, 25), ["revenue", "invoices", "new_users",
                                                               "active_sessions"], "day")),
            ("custom", (date(2025, 12, 1), date(2026, 1, 25), ["revenue", "active_sessions"], "week")),
            ("custom", (date(2026, 1, 1), date(2026, 1, 25), ["revenue", "active_sessions"], "account"))]


def _monolith_payload(kind, args, conn):
    from src.reporting import services as ms

    return {"daily": ms.build_daily_report, "weekly": ms.build_weekly_report,
            "custom": ms.build_custom_report}[kind](conn, *args)


def run(spec: Spec) -> dict[str, bool]:
    root = spec.root
    for rel in ("src/reporting/models.py", "analysis/coupling/dependency-matrix.md"):
        if (root / rel).exists():
            spec.read_input(rel)
    spec.say("ext.2: read replica, denormalized views and the replica repository")
    injected = fault("ext.2") == "accuracy"
    if injected:
        spec.say("fault injected (ext.2:accuracy): rpt_payments_daily truncates revenue to whole units")
    spec.write(f"{SVC}/migrations/001_initial.py",
               MIGRATION.format(views=sql.view_ddl(injected), indexes=sql.REPLICA_INDEXES))
    spec.write(f"{SVC}/src/database.py", database_source(root))
    spec.write("infrastructure/reporting-replica.tf", TERRAFORM)
    spec.tick_all("Tasks")

    work = spec.workdir("techcorp-ext2-")
    primary = harness.seeded_primary(root, work)
    before = (_sha(primary), _schema(primary))
    db = harness.load_service(root, "database")
    replica = work / "replica.db"
    db.provision_replica(primary, replica)
    url = f"sqlite:///{replica}"

    views = {r[0] for r in sqlite3.connect(replica).execute("SELECT name FROM sqlite_master WHERE type='view'")}
    database = db.ReplicaDatabase(url)
    try:
        with database.connection() as conn:
            conn.execute("CREATE TABLE probe (x)")
        writable = True
    except sqlite3.OperationalError as exc:
        writable = "readonly" not in str(exc) and "query_only" not in str(exc) and "read-only" not in str(exc)
        spec.log(f"write on the replica refused: {exc}")
    provisioned = set(sql.view_ddl()) <= views and not writable

    # Only the replica is configured; record every sqlite3.connect the repository makes.
    opened: list[str] = []
    real_connect = sqlite3.connect
    os.environ["REPORTING_REPLICA_URL"] = url

    def spy(target, *a, **k):
        opened.append(str(target))
        return real_connect(target, *a, **k)

    sqlite3.connect = spy
    try:
        repo = db.build_repository_from_env()
        with repo.database.connection() as conn:
            files = [row[2] for row in conn.execute("PRAGMA database_list")]
        service_payloads = {}
        service_queries = {}
        for i, (kind, args) in enumerate(_corpus()):
            counter = _Counter()
            service_payloads[i] = getattr(repo.bound(counter), kind)(*args)
            service_queries[i] = counter.n
    finally:
        sqlite3.connect = real_connect
        del os.environ["REPORTING_REPLICA_URL"]
    uses_replica = bool(opened) and all(str(replica) in o for o in opened) and files == [str(replica)]
    spec.log(f"connections opened: {opened}; database_list: {files}")

    harness.monolith(root)
    mono_conn = sqlite3.connect(f"file:{primary}?mode=ro", uri=True)
    mono_conn.row_factory = sqlite3.Row
    equal, fewer = True, True
    for i, (kind, args) in enumerate(_corpus()):
        counter = _Counter()
        mono_conn.set_trace_callback(counter)
        expected = _monolith_payload(kind, args, mono_conn)
        mono_conn.set_trace_callback(None)
        same = expected == service_payloads[i]
        spec.log(f"{kind}{args}: equal={same} queries monolith={counter.n} replica={service_queries[i]}")
        equal &= same
        fewer &= service_queries[i] <= counter.n
    mono_conn.close()
    if injected and not equal:
        # The injected fault simulates an agent that missed its own bug; .4's shadow run must catch it.
        spec.say("fault injected: equality check bypassed")
        equal = True
    after = (_sha(primary), _schema(primary))
    return {
        normalise("Read replica provisioned"): provisioned,
        normalise("Reporting queries use replica (not primary)"): uses_replica,
        normalise("Query performance equal or better than baseline"): equal and fewer,
        normalise("Zero impact on monolith database"): before == after and fault("ext.2") != "zero-impact",
    }


def _schema(path: Path) -> list:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        conn.close()


class _Counter:
    def __init__(self):
        self.n = 0

    def __call__(self, _statement):
        self.n += 1

"""Exactly one active watcher per cluster: leader election through a PostgreSQL advisory lock.

The leader holds ``pg_try_advisory_lock(hashtext('clusterviz:' || cluster))`` on a dedicated connection
(psycopg 3, autocommit) for as long as it leads. PostgreSQL releases the lock when that session ends: the
process exits or is killed (the kernel closes its socket), or the server drops the connection. A standby
tries again every second. The leader checks every second that its session still holds the lock, with a
short timeout; when the check fails it stops its runtime at once (it may no longer be the only one).

Without PostgreSQL (SQLite) there is nothing shared to elect through: :class:`NoElection` always leads,
and ``watch_cluster`` says that only one watcher may then run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 3.0
"""Seconds the lock check may take before the leader assumes its session is gone."""


class Election(Protocol):
    description: str

    async def try_acquire(self) -> bool: ...

    async def held(self) -> bool: ...

    async def release(self) -> None: ...


def lock_key(cluster: str) -> str:
    return f"clusterviz:{cluster}"


class AdvisoryLock:
    """A session-level advisory lock on a connection of its own."""

    def __init__(self, conninfo: str, cluster: str) -> None:
        self.conninfo = conninfo
        self.key = lock_key(cluster)
        self.description = f"PostgreSQL advisory lock hashtext({self.key!r})"
        self._conn: Any = None

    async def _connection(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed:
            # TCP keepalives: a half-open connection to the server is noticed by the OS, not only by our check.
            self._conn = await psycopg.AsyncConnection.connect(
                self.conninfo,
                autocommit=True,
                connect_timeout=5,
                keepalives=1,
                keepalives_idle=5,
                keepalives_interval=2,
                keepalives_count=2,
                application_name="clusterviz watch_cluster",
            )
        return self._conn

    async def try_acquire(self) -> bool:
        try:
            conn = await self._connection()
            cursor = await conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (self.key,))
            row = await cursor.fetchone()
        except Exception:
            await self.release()
            raise
        return bool(row and row[0])

    async def held(self) -> bool:
        """Whether this session still holds the lock (False when the connection is gone or too slow)."""
        if self._conn is None or self._conn.closed:
            return False
        try:
            cursor = await asyncio.wait_for(
                self._conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND objid = (hashtext(%s)::bigint & 4294967295)::oid",
                    (self.key,),
                ),
                CHECK_TIMEOUT,
            )
            row = await asyncio.wait_for(cursor.fetchone(), CHECK_TIMEOUT)
        except Exception as error:
            log.warning("%s: check failed: %r", self.description, error)
            await self.release()
            return False
        return bool(row and row[0])

    async def release(self) -> None:
        """End the session: PostgreSQL releases the lock with it."""
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            # a failure means the connection is already broken: nothing holds the lock through it
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), CHECK_TIMEOUT)


class NoElection:
    """SQLite: one watcher, no election (running two would mean two active watchers)."""

    description = "no election (no PostgreSQL: run exactly one watcher)"

    async def try_acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


def election_for(cluster: str, database: dict[str, Any] | None = None) -> Election:
    """The advisory lock on the configured PostgreSQL database, or no election on SQLite."""
    if database is None:
        from django.conf import settings

        database = settings.DATABASES["default"]
    if "postgresql" not in str(database.get("ENGINE", "")):
        return NoElection()
    from psycopg.conninfo import make_conninfo

    params = {
        "dbname": database.get("NAME") or "",
        "user": database.get("USER") or "",
        "password": database.get("PASSWORD") or "",
        "host": database.get("HOST") or "",
        "port": str(database.get("PORT") or ""),
    }
    return AdvisoryLock(make_conninfo(**{k: v for k, v in params.items() if v}), cluster)

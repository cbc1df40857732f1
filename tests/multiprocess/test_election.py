"""The advisory lock itself, against the throwaway PostgreSQL: one holder, handed on when its session ends."""

from __future__ import annotations

import asyncio

import psycopg

from dashboard.leader import AdvisoryLock, NoElection, election_for
from tests.postgres.conftest import Postgres


async def test_one_leader_and_takeover_when_its_session_dies(postgres: Postgres) -> None:
    conninfo = postgres.url("clusterviz_test")
    first, second, other = AdvisoryLock(conninfo, "demo"), AdvisoryLock(conninfo, "demo"), AdvisoryLock(conninfo, "x")
    try:
        assert await first.try_acquire()
        assert await first.held()
        assert not await second.try_acquire(), "two leaders of one cluster"
        assert await other.try_acquire(), "clusters elect independently"
        # the server drops the leader's connection: it must notice, and the standby must win
        pid = (await (await first._conn.execute("SELECT pg_backend_pid()")).fetchone())[0]
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        await asyncio.sleep(0.2)
        assert not await first.held()
        assert await second.try_acquire()
        assert await second.held()
    finally:
        for lock in (first, second, other):
            await lock.release()


async def test_sqlite_means_no_election() -> None:
    election = election_for("demo", {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
    assert isinstance(election, NoElection) and await election.try_acquire() and await election.held()

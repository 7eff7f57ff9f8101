"""Shared fixtures: the bundled digests and a temporary index built from them."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from storage.backend import open_db
from storage.index import ingest_paths
from storage.postgres import scratch_schema

PROJECT = Path(__file__).resolve().parent.parent
BUNDLED = PROJECT / "digests"
# The machine's PostgreSQL (trust auth); each test gets its own schema. Override with DIGESTBOT_TEST_PG.
PG_URL = os.environ.get("DIGESTBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def digest_dir(tmp_path: Path) -> Path:
    """A writable copy of the bundled sample archive."""
    target = tmp_path / "digests"
    shutil.copytree(BUNDLED, target)
    return target


@functools.cache
def postgres_problem() -> str | None:
    """Return why the PostgreSQL tests cannot run here, or None if the server answers."""
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_URL} does not answer ({type(exc).__name__})"


def run_together(target: Callable[[], None], count: int) -> None:
    """Run `target` in `count` threads at once and wait for all of them (a race between takers)."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """Yield the URL of a fresh, empty PostgreSQL schema (dropped afterwards).

    Without a server the test is skipped and says why; with CI=true it fails instead.
    """
    problem = postgres_problem()
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{problem}; CI=true requires the PostgreSQL half of the tests")
        pytest.skip(f"{problem}: the PostgreSQL half of the tests is skipped")
    with scratch_schema(PG_URL, "test") as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL of a fresh, empty PostgreSQL schema (dropped afterwards); see postgres_schema."""
    with postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_location(request, tmp_path: Path) -> str:
    """Where a test database lives: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return str(tmp_path / "index.db")


@pytest.fixture
def db(db_location: str, digest_dir: Path):
    """A fresh index of the bundled digests, on each backend."""
    database = open_db(db_location)
    outcomes = ingest_paths(database, [digest_dir])
    assert [o.status for o in outcomes] == ["indexed"] * 5
    yield database
    database.close()


@pytest.fixture
def sqlite_db(tmp_path: Path, digest_dir: Path):
    """A fresh SQLite index of the bundled digests (for what only SQLite has: FTS5, PRAGMA)."""
    database = open_db(tmp_path / "index.db")
    outcomes = ingest_paths(database, [digest_dir])
    assert [o.status for o in outcomes] == ["indexed"] * 5
    return database


@pytest.fixture
def cli_db(tmp_path: Path, digest_dir: Path, capsys) -> str:
    """A database file indexed by `digestbot ingest` from the bundled digests (output discarded)."""
    from bot.cli import main

    path = str(tmp_path / "cli.db")
    assert main(["--db", path, "ingest", str(digest_dir)]) == 0
    capsys.readouterr()
    return path

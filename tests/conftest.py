"""Shared fixtures: the bundled digests and a temporary index built from them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storage.index import ingest_paths, open_db

PROJECT = Path(__file__).resolve().parent.parent
BUNDLED = PROJECT / "digests"


@pytest.fixture
def digest_dir(tmp_path: Path) -> Path:
    """A writable copy of the bundled sample archive."""
    target = tmp_path / "digests"
    shutil.copytree(BUNDLED, target)
    return target


@pytest.fixture
def db(tmp_path: Path, digest_dir: Path):
    """A fresh index of the bundled digests."""
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

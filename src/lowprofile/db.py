"""The small SQLite base that the scan history and the request ledger both stand on.

Both hold the most sensitive data a person has, so both need the same care: a private file
(0600, never through a symbolic link), WAL mode so a scheduled scan and a person can work at
once, foreign keys on, a damaged file as a one-line error, and ``PRAGMA user_version``
migrations applied under one write lock. Each database *uses* this base with its own file and
its own migrations; neither inherits the other's tables or methods.

A migration is SQL text (statements separated by ``;``) or a function given the connection
inside the migration's transaction, for a step SQL cannot say (reading another file).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from lowprofile.errors import StoreError
from lowprofile.files import ensure_private_dir

T = TypeVar("T")
Migration = str | Callable[[sqlite3.Connection], None]
BUSY_TIMEOUT_S = 30.0
"""How long a writer waits for another's write (cron and a person at once) before giving up."""


def aware(when: datetime) -> datetime:
    """Times are written in UTC with their offset; one written without is read as UTC."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def midnight(day: date) -> datetime:
    """A day recorded without a time (``optout done --date``, a registry mark), as its UTC start."""
    return datetime.combine(day, datetime.min.time(), UTC)


class Database:
    """One private SQLite file with its migrations. Use as a context manager; every write is one
    transaction (``transaction``)."""

    def __init__(self, path: Path, migrations: Sequence[Migration], *, what: str) -> None:
        self.path = path
        self.migrations = migrations
        self.what = what
        """What the file is, for errors ("the history", "the request ledger")."""
        self._db: sqlite3.Connection | None = None

    def open(self) -> sqlite3.Connection:
        ensure_private_dir(self.path.parent)
        if self.path.is_symlink():
            raise StoreError(f"{self.path}: is a symbolic link; {self.what} must be a plain file")
        try:
            flags = os.O_CREAT | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
            os.close(os.open(self.path, flags, 0o600))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open: {exc.strerror or exc}") from exc
        try:
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as exc:
            self.close()
            raise StoreError(f"{self.path}: {exc}") from exc
        except BaseException:
            self.close()
            raise
        for suffix in ("", "-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            if side.exists():
                side.chmod(0o600)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError(f"{self.what} is not open")
        return self._db

    @contextmanager
    def transaction(self, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction; ``immediate`` takes the write lock at once (for read-then-write)."""
        try:
            with self.db:
                if immediate:
                    self.db.execute("BEGIN IMMEDIATE")
                yield self.db
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        """A read; a damaged database is a one-line StoreError, not a traceback."""
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def parsed(self, what: str, make: Callable[..., T], *row: object) -> T:
        """A row read into its type, or a one-line StoreError saying which row is damaged (a
        guessed value would be worse than none)."""
        try:
            return make(*row)
        except (ValueError, TypeError, KeyError) as exc:
            raise StoreError(f"{self.path}: {what} is damaged ({exc})") from exc

    def _migrate(self) -> None:
        (version,) = self.db.execute("PRAGMA user_version").fetchone()
        latest = len(self.migrations)
        if version > latest:
            raise StoreError(
                f"{self.path} was written by a newer lowprofile (schema {version}); upgrade"
            )
        if version == latest:
            return
        # Two first runs at once must not both create the tables: take the write lock, then
        # read the version again, and migrate only what is still missing.
        with self.transaction(immediate=True) as db:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            for number in range(version, latest):
                step = self.migrations[number]
                if callable(step):
                    step(db)
                else:
                    for statement in step.split(";"):
                        if statement.strip():
                            db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")

"""Where conversations live between turns: a SQLite file (embedded) or Redis (shared by replicas).

A record is the session's state (`Session.to_state()`), the conversation's own notes (`meta`: the
clinician's message for each turn, feedback) and a version that grows with every save. Each store has
a per-conversation lock that works across processes and machines, and an expiry: a conversation idle
for longer than `ttl` seconds is purged, and for `TOMBSTONE_SECONDS` after that it is reported as
expired (so the user can be told) rather than unknown.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import orjson

from ..errors import AssistantError

# How long an expired conversation is remembered as expired (then it is simply unknown).
TOMBSTONE_SECONDS = 7 * 24 * 3600
# A lock older than this is taken to belong to a crashed process; a turn takes milliseconds.
LOCK_LEASE_SECONDS = 30.0
LOCK_WAIT_SECONDS = 10.0
# How often the SQLite store purges expired conversations that nobody asks about (Redis expires keys itself).
SWEEP_SECONDS = 600.0


class ConversationNotFound(AssistantError):
    """No conversation has this id (never started, deleted, or forgotten long ago)."""

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        super().__init__(f"no conversation with id {conversation_id!r}; start a new one (session_id null)")


class ConversationExpired(ConversationNotFound):
    """The conversation existed but was idle for longer than the store's expiry; its facts are gone."""

    def __init__(self, conversation_id: str, ttl: float) -> None:
        self.conversation_id = conversation_id
        self.ttl = ttl
        AssistantError.__init__(
            self,
            f"this conversation expired after {describe_duration(ttl)} without activity and its patient facts "
            "were cleared; please start a new conversation and describe the patient again",
        )


class ConversationBusy(AssistantError):
    """Another event on the same conversation held its lock for too long."""

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = conversation_id
        super().__init__("this conversation is busy with another request; try again in a moment")


def describe_duration(seconds: float) -> str:
    """'8 hours', '30 minutes', '45 seconds'."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    n = round(seconds)
    return f"{n} second{'s' if n != 1 else ''}"


@dataclass
class Record:
    """One stored conversation."""

    state: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)
    version: int = 0


class Store(Protocol):
    """What the conversation layer needs from a store."""

    ttl: float

    def create(self, record: Record, conversation_id: str | None = None) -> str: ...
    def load(self, conversation_id: str) -> Record: ...
    def version(self, conversation_id: str) -> int: ...
    def save(self, conversation_id: str, record: Record) -> int: ...
    def delete(self, conversation_id: str) -> bool: ...
    def lock(self, conversation_id: str) -> Any: ...
    def describe(self) -> str: ...
    def close(self) -> None: ...


def new_id() -> str:
    """An unguessable conversation id (it is the only credential a caller holds)."""
    return uuid.uuid4().hex


def _encode(record: Record) -> tuple[bytes, bytes]:
    return orjson.dumps(record.state), orjson.dumps(record.meta)


class SQLiteStore:
    """Conversations in one SQLite file (WAL): safe for several processes on one machine."""

    def __init__(self, path: Path, ttl: float) -> None:
        self.path = Path(path)
        self.ttl = float(ttl)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._swept = 0.0
        conn = self._conn()
        with conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, state TEXT, meta TEXT, "
                "version INTEGER NOT NULL, updated REAL NOT NULL)"
            )
            conn.execute("CREATE TABLE IF NOT EXISTS locks (id TEXT PRIMARY KEY, owner TEXT, until REAL)")
        self.sweep()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=True)
            conn.execute("PRAGMA journal_mode=WAL")
            # A power cut may lose the last turns; it never corrupts the file.
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def describe(self) -> str:
        return f"sqlite:{self.path}"

    def sweep(self) -> None:
        """Purge the state of expired conversations; forget their tombstones after a while."""
        now = time.time()
        self._swept = time.monotonic()
        conn = self._conn()
        with conn:
            conn.execute(
                "UPDATE conversations SET state = NULL, meta = NULL WHERE state IS NOT NULL AND updated < ?",
                (now - self.ttl,),
            )
            conn.execute("DELETE FROM conversations WHERE updated < ?", (now - self.ttl - TOMBSTONE_SECONDS,))
            conn.execute("DELETE FROM locks WHERE until < ?", (now,))

    def create(self, record: Record, conversation_id: str | None = None) -> str:
        conversation_id = conversation_id or new_id()
        if time.monotonic() - self._swept > SWEEP_SECONDS:
            self.sweep()
        state, meta = _encode(record)
        record.version = 1
        self._conn().execute(
            "INSERT INTO conversations (id, state, meta, version, updated) VALUES (?, ?, ?, 1, ?)",
            (conversation_id, state, meta, time.time()),
        )
        return conversation_id

    def _row(self, conversation_id: str, columns: str) -> tuple[Any, ...]:
        # `state IS NULL` marks a purged (expired) conversation.
        row = (
            self._conn()
            .execute(f"SELECT updated, state IS NULL, {columns} FROM conversations WHERE id = ?", (conversation_id,))
            .fetchone()
        )
        if row is None:
            raise ConversationNotFound(conversation_id)
        if row[1] or row[0] < time.time() - self.ttl:
            self._conn().execute("UPDATE conversations SET state = NULL, meta = NULL WHERE id = ?", (conversation_id,))
            raise ConversationExpired(conversation_id, self.ttl)
        return tuple(row[2:])

    def version(self, conversation_id: str) -> int:
        (version,) = self._row(conversation_id, "version")
        return int(version)

    def load(self, conversation_id: str) -> Record:
        state, meta, version = self._row(conversation_id, "state, meta, version")
        return Record(orjson.loads(state), orjson.loads(meta or b"{}"), int(version))

    def save(self, conversation_id: str, record: Record) -> int:
        state, meta = _encode(record)
        cur = self._conn().execute(
            "UPDATE conversations SET state = ?, meta = ?, version = version + 1, updated = ? WHERE id = ? "
            "RETURNING version",
            (state, meta, time.time(), conversation_id),
        )
        row = cur.fetchone()
        if row is None:
            raise ConversationNotFound(conversation_id)
        record.version = int(row[0])
        return record.version

    def delete(self, conversation_id: str) -> bool:
        cur = self._conn().execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return cur.rowcount > 0

    @contextmanager
    def lock(self, conversation_id: str) -> Iterator[None]:
        """Hold the conversation's lock (a row in `locks`, taken in a write transaction)."""
        conn = self._conn()
        owner = f"{self._owner}-{threading.get_ident()}"
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        pause = 0.001
        while True:
            now = time.time()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM locks WHERE id = ? AND until < ?", (conversation_id, now))
                taken = conn.execute(
                    "INSERT OR IGNORE INTO locks (id, owner, until) VALUES (?, ?, ?)",
                    (conversation_id, owner, now + LOCK_LEASE_SECONDS),
                ).rowcount
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if taken:
                break
            if time.monotonic() > deadline:
                raise ConversationBusy(conversation_id)
            time.sleep(pause)
            pause = min(pause * 2, 0.02)
        try:
            yield
        finally:
            conn.execute("DELETE FROM locks WHERE id = ? AND owner = ?", (conversation_id, owner))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class RedisStore:
    """Conversations in Redis: shared by every replica; expiry by Redis itself."""

    def __init__(self, url: str, ttl: float, prefix: str = "hcc:") -> None:
        import redis

        self.url = url
        self.ttl = float(ttl)
        self.prefix = prefix
        self.client = redis.Redis.from_url(url)
        self.client.ping()

    def describe(self) -> str:
        parsed = urlparse(self.url)
        return f"redis://{parsed.hostname}:{parsed.port or 6379}{parsed.path or ''}"

    def _key(self, conversation_id: str) -> str:
        return f"{self.prefix}conv:{conversation_id}"

    def _seen(self, conversation_id: str) -> str:
        return f"{self.prefix}seen:{conversation_id}"

    def _write(self, conversation_id: str, record: Record, version: int) -> None:
        state, meta = _encode(record)
        ttl_ms = int(self.ttl * 1000)
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(self._key(conversation_id), mapping={"state": state, "meta": meta, "version": version})
        pipe.pexpire(self._key(conversation_id), ttl_ms)
        # The tombstone outlives the conversation so that an expired id can be told apart from an unknown one.
        pipe.set(self._seen(conversation_id), b"1", px=ttl_ms + TOMBSTONE_SECONDS * 1000)
        pipe.execute()

    def create(self, record: Record, conversation_id: str | None = None) -> str:
        conversation_id = conversation_id or new_id()
        record.version = 1
        self._write(conversation_id, record, 1)
        return conversation_id

    def _missing(self, conversation_id: str) -> ConversationNotFound:
        if self.client.exists(self._seen(conversation_id)):
            return ConversationExpired(conversation_id, self.ttl)
        return ConversationNotFound(conversation_id)

    def version(self, conversation_id: str) -> int:
        raw = self.client.hget(self._key(conversation_id), "version")
        if raw is None:
            raise self._missing(conversation_id)
        return int(raw)

    def load(self, conversation_id: str) -> Record:
        raw = self.client.hgetall(self._key(conversation_id))
        if not raw:
            raise self._missing(conversation_id)
        return Record(orjson.loads(raw[b"state"]), orjson.loads(raw.get(b"meta") or b"{}"), int(raw[b"version"]))

    def save(self, conversation_id: str, record: Record) -> int:
        version = record.version + 1
        self._write(conversation_id, record, version)
        record.version = version
        return version

    def delete(self, conversation_id: str) -> bool:
        return bool(self.client.delete(self._key(conversation_id), self._seen(conversation_id)))

    @contextmanager
    def lock(self, conversation_id: str) -> Iterator[None]:
        """Redis's lock (SET NX PX, released by a script that checks the owner's token)."""
        from redis.exceptions import LockError

        lock = self.client.lock(
            f"{self.prefix}lock:{conversation_id}",
            timeout=LOCK_LEASE_SECONDS,
            sleep=0.002,
            blocking_timeout=LOCK_WAIT_SECONDS,
            thread_local=False,
        )
        if not lock.acquire():
            raise ConversationBusy(conversation_id)
        try:
            yield
        finally:
            try:
                lock.release()
            except LockError:  # the lease ran out (a turn took > 30 s): nothing left to release
                pass

    def close(self) -> None:
        self.client.close()


def open_store(url: str, ttl: float) -> Store:
    """`sqlite:///abs/path.sqlite3`, `sqlite:relative/path`, a bare path, or `redis://host:port/db`."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url, ttl)
    if url.startswith("sqlite:"):
        rest = url[len("sqlite:") :]
        path = rest[2:] if rest.startswith("//") else rest
        return SQLiteStore(Path(path), ttl)
    if "://" in url:
        raise AssistantError(f"HCC_STATE_URL {url!r}: use sqlite:///path/to/file.sqlite3 or redis://host:port/0")
    return SQLiteStore(Path(url), ttl)

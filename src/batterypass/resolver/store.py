"""Where a resolver keeps what it serves: published credentials, tokens, the access log.

Contract:

* One small interface, :class:`Store`, two engines behind it: SQLite (``sqlite:///FILE``, the
  embedded default; WAL journal, so several worker processes read while one writes) and
  PostgreSQL (``postgresql://...``, psycopg 3). :func:`open_store` picks one by URL.
* Nothing is kept in memory between calls: any number of processes and machines can serve
  one store.
* A passport id, and a GTIN + serial, belong to the issuer that published them first:
  another issuer's credential for either is refused (:class:`HeldByAnotherIssuer`), and a QR
  link resolves only to its holder's credentials. The one exception is a handover, decided
  by the caller's :data:`Handover` inside the write transaction (the holder's own versions of
  the passport name the next responsible operator, or the holder countersigned the new one):
  the new issuer then holds the passport and its GTIN + serial, recorded in ``handovers``; the
  older versions stay.
* A countersignature (:meth:`Store.put_countersignature`) is kept only from the passport's
  holder, once per bytes, and handed to the :data:`Handover` with the holder's credentials.
* Credentials are stored as the exact bytes the issuer signed, one row per (passport,
  audience, SHA-256 of the bytes): storing the same bytes again changes nothing; other bytes
  are a new version, and every version is kept. Versions count in publication order.
* Tokens are stored as SHA-256 hashes only (they are 256-bit random secrets, so a slow hash
  adds nothing); the token itself is shown once, by whoever creates it.
* The schema is versioned (:data:`SCHEMA_VERSION`) and migrated forward when a store is
  opened; a store whose schema is newer than this program is refused with
  :class:`StoreError`, never written to.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import BatteryPassError
from ..jsonio import create_temporary

#: The schema this program writes. Raise it with a new entry in :data:`_MIGRATIONS`.
SCHEMA_VERSION = 3

# Each migration brings the schema from the version before it to its own number. {id} and
# {blob} are the engine's auto-increment key and binary types.
_MIGRATIONS: dict[int, list[str]] = {
    1: [
        """CREATE TABLE credentials (
            seq {id},
            passport_id TEXT NOT NULL,
            audience TEXT NOT NULL,
            digest TEXT NOT NULL,
            body {blob} NOT NULL,
            envelope TEXT NOT NULL,
            issuer TEXT NOT NULL,
            gtin TEXT,
            serial TEXT,
            valid_from TEXT,
            published_at TEXT NOT NULL,
            UNIQUE (passport_id, audience, digest))""",
        "CREATE INDEX credentials_by_passport ON credentials (passport_id, audience, seq)",
        "CREATE INDEX credentials_by_gs1_key ON credentials (gtin, serial)",
        """CREATE TABLE tokens (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            scope TEXT NOT NULL,
            hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            revoked_at TEXT)""",
        """CREATE TABLE audit (
            seq {id},
            at TEXT NOT NULL,
            token_id TEXT,
            passport_id TEXT NOT NULL,
            audience TEXT NOT NULL,
            outcome TEXT NOT NULL)""",
    ],
    # Who holds a passport after its first publisher: the latest handover's issuer.
    2: [
        """CREATE TABLE handovers (
            seq {id},
            passport_id TEXT NOT NULL,
            issuer TEXT NOT NULL,
            previous TEXT NOT NULL,
            gtin TEXT,
            serial TEXT,
            at TEXT NOT NULL)""",
        "CREATE INDEX handovers_by_passport ON handovers (passport_id, seq)",
        "CREATE INDEX handovers_by_gs1_key ON handovers (gtin, serial, seq)",
    ],
    # The holders' countersignatures of transfer versions, which hand a passport over too.
    3: [
        """CREATE TABLE countersignatures (
            seq {id},
            passport_id TEXT NOT NULL,
            issuer TEXT NOT NULL,
            digest TEXT NOT NULL,
            body {blob} NOT NULL,
            published_at TEXT NOT NULL,
            UNIQUE (passport_id, digest))""",
    ],
}


class StoreError(BatteryPassError):
    """The store cannot be opened or used (bad URL, unreachable, newer schema)."""


class HeldByAnotherIssuer(BatteryPassError):
    """The passport id, or the GTIN and serial, belong to another issuer: the first to publish
    them (or the one it handed the passport over to) holds them, and nobody else can publish
    over them (the QR link would serve theirs). ``why`` says what would make it acceptable."""

    def __init__(self, what: str, holder: str, why: str):
        self.what, self.holder, self.why = what, holder, why
        super().__init__(f"{what} is held by {holder}; another issuer cannot publish over it: {why}")


class NotPublished(BatteryPassError):
    """A countersignature of a passport nobody has published: there is no holder to sign it."""


#: Whether the issuer publishing a credential may take over a passport another issuer holds:
#: called with the holder, the holder's credentials of that passport and the holder's
#: countersignatures of its versions (bytes as stored), it returns None when it may, else why
#: not and what would make it acceptable.
Handover = Callable[[str, list[bytes], list[bytes]], str | None]

#: Why a handover is refused when the caller decides none.
NO_HANDOVER = "no handover was asked of the store"


def now_utc() -> str:
    """The stores' time format: ISO 8601 UTC to the microsecond, which sorts as text."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class StoredCredential:
    """One published credential: ``version`` counts from 1 per passport and audience."""

    passport_id: str
    audience: str
    version: int
    digest: str
    body: bytes
    envelope: str
    issuer: str
    gtin: str | None
    serial: str | None
    valid_from: str | None
    published_at: str


@dataclass(frozen=True)
class TokenRecord:
    """A token as stored: never the token, only its hash. ``kind`` is "issuer" or "audience";
    ``scope`` the issuer id or the audience it grants."""

    id: str
    kind: str
    scope: str
    hash: str
    created_at: str
    expires_at: str
    revoked_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "scope": self.scope,
            "createdAt": self.created_at,
            "expiresAt": self.expires_at,
            "revokedAt": self.revoked_at,
        }


@dataclass(frozen=True)
class AuditEntry:
    at: str
    token_id: str | None
    passport_id: str
    audience: str
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "tokenId": self.token_id,
            "passportId": self.passport_id,
            "audience": self.audience,
            "outcome": self.outcome,
        }


_CREDENTIAL_COLUMNS = "passport_id, audience, digest, body, envelope, issuer, gtin, serial, valid_from, published_at"
# The version is the row's rank among its passport's and audience's rows.
_VERSION = "(SELECT COUNT(*) FROM credentials AS earlier WHERE earlier.passport_id = c.passport_id AND earlier.audience = c.audience AND earlier.seq <= c.seq)"


class Store:
    """The store interface; the engines differ only in how they connect and lock.

    Methods are thread-safe (one connection per store, used under a lock); open one store
    per process.
    """

    _placeholder = "?"
    _types = {"id": "", "blob": ""}

    def __init__(self, url: str):
        self.url = url
        self._lock = threading.Lock()
        self._connection: Any = None

    # --- engine hooks -------------------------------------------------------------------
    def _connect(self) -> Any:
        raise NotImplementedError

    @contextmanager
    def _write_transaction(self, cursor: Any) -> Iterator[None]:
        raise NotImplementedError

    # --- plumbing ---------------------------------------------------------------------------
    def _sql(self, statement: str) -> str:
        return statement.replace("?", self._placeholder)

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        with self._lock:
            if self._connection is None:
                self._connection = self._connect()
                self._migrate()
            cursor = self._connection.cursor()
            try:
                yield cursor
            finally:
                cursor.close()

    def _read(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._cursor() as cursor:
            cursor.execute(self._sql(statement), tuple(params))
            return cursor.fetchall()

    def _migrate(self) -> None:
        try:
            cursor = self._connection.cursor()
            try:
                with self._write_transaction(cursor):
                    cursor.execute("CREATE TABLE IF NOT EXISTS batterypass_schema (version INTEGER NOT NULL)")
                    cursor.execute("SELECT version FROM batterypass_schema")
                    row = cursor.fetchone()
                    current = row[0] if row else 0
                    if current > SCHEMA_VERSION:
                        raise StoreError(
                            f"{self.display_url}: the store's schema is version {current}, newer than this "
                            f"batterypass's ({SCHEMA_VERSION}): upgrade batterypass to use it"
                        )
                    for version in range(current + 1, SCHEMA_VERSION + 1):
                        for statement in _MIGRATIONS[version]:
                            cursor.execute(statement.format(**self._types))
                    if current == 0:
                        cursor.execute(self._sql("INSERT INTO batterypass_schema (version) VALUES (?)"), (SCHEMA_VERSION,))
                    elif current < SCHEMA_VERSION:
                        cursor.execute(self._sql("UPDATE batterypass_schema SET version = ?"), (SCHEMA_VERSION,))
            finally:
                cursor.close()
        except BaseException:
            # Unusable (or newer than us): never keep a connection to it.
            self._connection.close()
            self._connection = None
            raise

    @property
    def display_url(self) -> str:
        """The URL without a password, for messages."""
        if "@" not in self.url:
            return self.url
        scheme, rest = self.url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"

    def schema_version(self) -> int:
        return self._read("SELECT version FROM batterypass_schema")[0][0]

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # --- credentials -------------------------------------------------------------------
    def put_credential(
        self,
        *,
        passport_id: str,
        audience: str,
        body: bytes,
        envelope: str,
        issuer: str,
        gtin: str | None,
        serial: str | None,
        valid_from: str | None,
        handover: Handover | None = None,
    ) -> tuple[StoredCredential, bool]:
        """Store ``body`` as a version of the passport's ``audience`` credential.

        Returns the stored credential and whether it is new (False: the same bytes were there,
        whoever holds the passport now). Raises :class:`HeldByAnotherIssuer` when another
        issuer holds the passport or the battery and ``handover`` does not grant it.
        """
        digest = digest_of(body)
        with self._cursor() as cursor, self._write_transaction(cursor):
            # Checked inside the write transaction, so two issuers racing for one battery
            # cannot both pass.
            cursor.execute(self._sql("SELECT 1 FROM credentials WHERE passport_id = ? AND audience = ? AND digest = ?"),
                           (passport_id, audience, digest))
            created = cursor.fetchone() is None
            if created:
                self._check_holders(cursor, passport_id, issuer, gtin, serial, handover)
                cursor.execute(
                    self._sql(f"INSERT INTO credentials ({_CREDENTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                    (passport_id, audience, digest, body, envelope, issuer, gtin, serial, valid_from, now_utc()),
                )
        stored = self._credentials("c.passport_id = ? AND c.audience = ? AND c.digest = ?", (passport_id, audience, digest))
        return stored[0], created

    def put_countersignature(self, *, passport_id: str, body: bytes, issuer: str) -> bool:
        """Keep ``issuer``'s countersignature of a version of the passport; whether it is new.
        Raises :class:`HeldByAnotherIssuer` when another issuer holds the passport, and
        :class:`NotPublished` when nobody does (the same bytes again are no change, whoever
        holds the passport now)."""
        digest = digest_of(body)
        with self._cursor() as cursor, self._write_transaction(cursor):
            cursor.execute(self._sql("SELECT 1 FROM countersignatures WHERE passport_id = ? AND digest = ?"), (passport_id, digest))
            if cursor.fetchone() is not None:
                return False
            holder = self._holder(cursor, "passport_id = ?", (passport_id,))
            if holder is None:
                raise NotPublished(f"passport {passport_id} has not been published here: only its holder countersigns its versions")
            if holder[0] != issuer:
                raise HeldByAnotherIssuer(f"passport {passport_id}", holder[0],
                                          f"only its holder countersigns the version that hands it over, not {issuer}")
            cursor.execute(
                self._sql("INSERT INTO countersignatures (passport_id, issuer, digest, body, published_at) VALUES (?, ?, ?, ?, ?)"),
                (passport_id, issuer, digest, body, now_utc()),
            )
            return True

    def _check_holders(self, cursor: Any, passport_id: str, issuer: str, gtin: str | None, serial: str | None,
                       handover: Handover | None) -> None:
        """Refuse ``issuer``'s credential where another issuer holds the passport or the battery,
        unless ``handover`` grants the passport (and with it its own battery's link); a granted
        handover is recorded."""
        holder = self._holder(cursor, "passport_id = ?", (passport_id,))
        handed_over = False
        if holder is not None and holder[0] != issuer:
            bodies = {}
            for table in ("credentials", "countersignatures"):
                cursor.execute(self._sql(f"SELECT body FROM {table} WHERE passport_id = ? AND issuer = ? ORDER BY seq"),
                               (passport_id, holder[0]))
                bodies[table] = [bytes(row[0]) for row in cursor.fetchall()]
            why = handover(holder[0], bodies["credentials"], bodies["countersignatures"]) if handover else NO_HANDOVER
            if why is not None:
                raise HeldByAnotherIssuer(f"passport {passport_id}", holder[0], why)
            handed_over = True
        if gtin and serial:
            battery = self._holder(cursor, "gtin = ? AND serial = ?", (gtin, serial))
            if battery is not None and battery[0] != issuer and not (handed_over and battery == holder):
                raise HeldByAnotherIssuer(
                    f"the battery GTIN {gtin} serial {serial!r}", battery[0],
                    f"its QR link resolves to passport {battery[1]}, and a battery's link moves only with its passport, to "
                    f"the next responsible operator {battery[0]} names in it; a second-life battery gets a new identifier",
                )
        if handed_over:
            cursor.execute(
                self._sql("INSERT INTO handovers (passport_id, issuer, previous, gtin, serial, at) VALUES (?, ?, ?, ?, ?, ?)"),
                (passport_id, issuer, holder[0], gtin, serial, now_utc()),
            )

    def _holder(self, cursor: Any, where: str, params: tuple[Any, ...]) -> tuple[str, str] | None:
        """Who holds what ``where`` selects, with the passport id it holds it by: the latest
        handover's issuer, else the first publisher (None: nobody has published it)."""
        for table, order in (("handovers", "DESC"), ("credentials", "")):
            cursor.execute(self._sql(f"SELECT issuer, passport_id FROM {table} WHERE {where} ORDER BY seq {order} LIMIT 1"), params)
            if (row := cursor.fetchone()) is not None:
                return row[0], row[1]
        return None

    def _credentials(self, where: str, params: Sequence[Any], limit: int | None = None) -> list[StoredCredential]:
        rows = self._read(
            f"SELECT {_CREDENTIAL_COLUMNS}, {_VERSION} FROM credentials AS c WHERE {where} ORDER BY c.seq DESC"
            + (f" LIMIT {int(limit)}" if limit else ""),
            params,
        )
        return [
            StoredCredential(
                passport_id=row[0], audience=row[1], digest=row[2], body=bytes(row[3]), envelope=row[4], issuer=row[5],
                gtin=row[6], serial=row[7], valid_from=row[8], published_at=row[9], version=row[10],
            )
            for row in rows
        ]

    def latest(self, passport_id: str, audience: str) -> StoredCredential | None:
        found = self._credentials("c.passport_id = ? AND c.audience = ?", (passport_id, audience), limit=1)
        return found[0] if found else None

    def version(self, passport_id: str, audience: str, number: int) -> StoredCredential | None:
        found = self._credentials(f"c.passport_id = ? AND c.audience = ? AND {_VERSION} = ?", (passport_id, audience, number))
        return found[0] if found else None

    def versions(self, passport_id: str, audience: str) -> list[StoredCredential]:
        """Every version, newest first."""
        return self._credentials("c.passport_id = ? AND c.audience = ?", (passport_id, audience))

    def audiences(self, passport_id: str) -> list[str]:
        return [row[0] for row in self._read("SELECT DISTINCT audience FROM credentials WHERE passport_id = ? ORDER BY audience", (passport_id,))]

    def latest_for_gs1(self, gtin: str, serial: str, audience: str) -> StoredCredential | None:
        """The newest ``audience`` credential of the battery with this GTIN-14 and serial (one query:
        this is what every scan of a QR code asks)."""
        # Only the holder's credentials (the latest handover's issuer, else the first
        # publisher's): a store written before publishing checked holders may hold another
        # issuer's newer row for the battery.
        holder = (
            "COALESCE((SELECT h.issuer FROM handovers AS h WHERE h.gtin = ? AND h.serial = ? ORDER BY h.seq DESC LIMIT 1), "
            "(SELECT first.issuer FROM credentials AS first WHERE first.gtin = ? AND first.serial = ? ORDER BY first.seq LIMIT 1))"
        )
        found = self._credentials(f"c.gtin = ? AND c.serial = ? AND c.audience = ? AND c.issuer = {holder}",
                                  (gtin, serial, audience, gtin, serial, gtin, serial), limit=1)
        return found[0] if found else None

    def count_credentials(self) -> int:
        return self._read("SELECT COUNT(*) FROM credentials")[0][0]

    # --- tokens -------------------------------------------------------------------------
    def add_token(self, token: TokenRecord) -> None:
        with self._cursor() as cursor, self._write_transaction(cursor):
            cursor.execute(
                self._sql("INSERT INTO tokens (id, kind, scope, hash, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                (token.id, token.kind, token.scope, token.hash, token.created_at, token.expires_at, token.revoked_at),
            )

    def token(self, token_id: str) -> TokenRecord | None:
        rows = self._read("SELECT id, kind, scope, hash, created_at, expires_at, revoked_at FROM tokens WHERE id = ?", (token_id,))
        return TokenRecord(*rows[0]) if rows else None

    def tokens(self) -> list[TokenRecord]:
        rows = self._read("SELECT id, kind, scope, hash, created_at, expires_at, revoked_at FROM tokens ORDER BY created_at, id")
        return [TokenRecord(*row) for row in rows]

    def revoke_token(self, token_id: str) -> bool:
        """Revoke a token; False when there is no such token (revoking twice keeps the first time)."""
        with self._cursor() as cursor, self._write_transaction(cursor):
            cursor.execute(self._sql("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?"), (now_utc(), token_id))
            return cursor.rowcount == 1

    # --- audit --------------------------------------------------------------------------
    def record_access(self, token_id: str | None, passport_id: str, audience: str, outcome: str) -> None:
        with self._cursor() as cursor, self._write_transaction(cursor):
            cursor.execute(
                self._sql("INSERT INTO audit (at, token_id, passport_id, audience, outcome) VALUES (?, ?, ?, ?, ?)"),
                (now_utc(), token_id, passport_id, audience, outcome),
            )

    def audit_entries(self, limit: int = 1000) -> list[AuditEntry]:
        """The most recent accesses, oldest first."""
        rows = self._read(f"SELECT at, token_id, passport_id, audience, outcome FROM audit ORDER BY seq DESC LIMIT {int(limit)}")
        return [AuditEntry(*row) for row in reversed(rows)]


class SqliteStore(Store):
    _types = {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB"}

    def __init__(self, url: str, path: Path, create: bool = True):
        super().__init__(url)
        self.path, self.create = path, create

    def _connect(self) -> sqlite3.Connection:
        try:
            if not self.path.exists():
                if not self.create:
                    raise StoreError(f"{self.url}: there is no store at {self.path} (serve, publish and token create make one)")
                self._make_store_file()
            self._check_is_store_file()
            connection = _sqlite_connection(self.path)
            if not connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'batterypass_schema'").fetchone():
                connection.close()
                raise StoreError(f"{self.url}: {self.path} is a SQLite database but not a batterypass store: left as it is")
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{self.url}: cannot open the SQLite store ({exc})") from None
        return connection

    def _make_store_file(self) -> None:
        """Make a new store under a temporary name beside its path, then give it the path in one
        step (a link, which fails when the name exists): no process ever opens a store half
        made, and of two processes making the store at once, one makes it and the other opens
        it. A run killed (SIGKILL) while making it leaves its ``.NAME.XXXXXXXX.tmp`` files, for
        a person to remove, rather than an empty store file that every later run would refuse."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The store holds the restricted views: it is its owner's only (SQLite gives its -wal
        # and -shm files the database file's mode).
        descriptor, draft_path = create_temporary(self.path, 0o600)
        os.close(descriptor)
        draft = SqliteStore(self.url, Path(draft_path))
        try:
            draft._connection = _sqlite_connection(draft.path)
            draft._migrate()
            draft.close()  # the last connection: SQLite moves the write-ahead log into the file
            try:
                os.link(draft_path, self.path)
            except FileExistsError:
                pass  # another process made the store first: it is the one opened
        finally:
            draft.close()
            for leftover in (draft_path, f"{draft_path}-wal", f"{draft_path}-shm"):
                try:
                    os.unlink(leftover)
                except FileNotFoundError:
                    pass

    def _check_is_store_file(self) -> None:
        """Refuse a file that is not a SQLite database (SQLite would make any empty or tiny
        file one, overwriting what it held)."""
        with open(self.path, "rb") as file:
            header = file.read(len(_SQLITE_HEADER))
        if header != _SQLITE_HEADER:
            raise StoreError(f"{self.url}: {self.path} is not a batterypass store (not a SQLite database): left as it is")

    @contextmanager
    def _write_transaction(self, cursor: Any) -> Iterator[None]:
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")


def _sqlite_connection(path: Path) -> sqlite3.Connection:
    # isolation_level=None: transactions are begun explicitly (BEGIN IMMEDIATE takes the write
    # lock at once, so two workers never both read-then-write the same rows).
    connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA busy_timeout=30000")
    return connection


#: The first bytes of every SQLite 3 database file.
_SQLITE_HEADER = b"SQLite format 3\x00"


class PostgresStore(Store):
    _placeholder = "%s"
    _types = {"id": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "blob": "BYTEA"}
    # Serialises schema migrations between processes that open one database at once.
    _MIGRATION_LOCK = 0x62617474

    def _connect(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise StoreError("a PostgreSQL store needs psycopg: pip install 'batterypass[server]'") from None
        try:
            # autocommit: every read is its own transaction and sees other processes' writes.
            return psycopg.connect(self.url, connect_timeout=10, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"{self.display_url}: cannot connect to PostgreSQL ({str(exc).strip()})") from None

    @contextmanager
    def _write_transaction(self, cursor: Any) -> Iterator[None]:
        with self._connection.transaction():
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (self._MIGRATION_LOCK,))
            yield


def open_store(url: str, create: bool = True) -> Store:
    """The store at ``url``: ``sqlite:///relative.db``, ``sqlite:////absolute.db`` or ``postgresql://...``.

    Nothing is opened until the first call; errors then are :class:`StoreError`. A SQLite
    store is made (with its directories) only with ``create``; an existing file must be a
    batterypass store either way.
    """
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path:
            raise StoreError(f"{url}: name the database file (sqlite:///passports.db)")
        return SqliteStore(url, Path(path), create)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    raise StoreError(f"{url}: a store URL starts with sqlite:/// or postgresql://")

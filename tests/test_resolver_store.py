"""The store interface, run identically against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import sqlite3

import pytest

from batterypass.resolver.store import SCHEMA_VERSION, StoreError, open_store
from batterypass.resolver.tokens import AUDIENCE, ISSUER, check_token, create_token, token_hash

from resolver_support import postgres_cluster, postgres_url, store_url  # noqa: F401 - fixtures

PASSPORT = "urn:uuid:60241f88-8a34-563d-a730-09a0f68d7b8c"


def put(store, body: bytes, audience: str = "public", passport_id: str = PASSPORT):
    return store.put_credential(passport_id=passport_id, audience=audience, body=body, envelope="data-integrity",
                                issuer="did:web:aurora-cells.example", gtin="04012345000016", serial="P90/1",
                                valid_from="2027-05-01T08:00:00Z")


def test_same_bytes_are_stored_once_and_new_bytes_are_a_new_version(store_url):
    store = open_store(store_url)
    first, created = put(store, b'{"v": 1}')
    assert created and first.version == 1
    again, created = put(store, b'{"v": 1}')
    assert not created and again.version == 1 and again.digest == first.digest
    second, created = put(store, b'{"v": 2}')
    assert created and second.version == 2
    assert store.latest(PASSPORT, "public").body == b'{"v": 2}'
    assert [v.version for v in store.versions(PASSPORT, "public")] == [2, 1]
    assert store.version(PASSPORT, "public", 1).body == b'{"v": 1}'
    assert store.version(PASSPORT, "public", 3) is None
    assert store.count_credentials() == 2


def test_audiences_are_kept_apart_and_found_by_gs1_key(store_url):
    store = open_store(store_url)
    put(store, b"public", "public")
    put(store, b"authority", "authority")
    assert store.latest(PASSPORT, "authority").body == b"authority"
    assert store.latest(PASSPORT, "legitimate-interest") is None
    assert store.audiences(PASSPORT) == ["authority", "public"]
    assert store.latest_for_gs1("04012345000016", "P90/1", "public").body == b"public"
    assert store.latest_for_gs1("04012345000016", "P90/1", "legitimate-interest") is None
    assert store.latest_for_gs1("04012345000016", "P90/2", "public") is None


def test_tokens_are_stored_as_hashes_and_can_be_revoked(store_url):
    store = open_store(store_url)
    record, token = create_token(store, AUDIENCE, "authority")
    stored = store.token(record.id)
    assert stored.hash == token_hash(token) and token not in repr(stored)
    assert check_token(store, token, AUDIENCE, "authority").granted
    assert check_token(store, token, AUDIENCE, "legitimate-interest").status == 403
    assert check_token(store, token, ISSUER, None).status == 403
    assert check_token(store, token[:-1] + ("A" if token[-1] != "A" else "B"), AUDIENCE, "authority").status == 401
    assert store.revoke_token(record.id) and not store.revoke_token("0" * 16)
    check = check_token(store, token, AUDIENCE, "authority")
    assert check.status == 401 and "revoked" in check.reason
    assert [t.id for t in store.tokens()] == [record.id]


def test_audit_keeps_order_and_never_a_token(store_url):
    store = open_store(store_url)
    store.record_access("abc", PASSPORT, "authority", "granted")
    store.record_access(None, PASSPORT, "legitimate-interest", "denied: no token")
    entries = store.audit_entries()
    assert [(e.token_id, e.audience, e.outcome) for e in entries] == [
        ("abc", "authority", "granted"), (None, "legitimate-interest", "denied: no token")]
    assert [e.outcome for e in store.audit_entries(limit=1)] == ["denied: no token"]


def test_a_store_is_shared_by_two_connections(store_url):
    writer, reader = open_store(store_url), open_store(store_url)
    assert reader.latest(PASSPORT, "public") is None
    put(writer, b"seen by the other")
    assert reader.latest(PASSPORT, "public").body == b"seen by the other"


def test_schema_is_created_versioned_and_a_newer_one_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert open_store(url).schema_version() == SCHEMA_VERSION
    with sqlite3.connect(tmp_path / "p.db") as connection:
        connection.execute("UPDATE batterypass_schema SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match=f"schema is version {SCHEMA_VERSION + 1}, newer than this batterypass's"):
        open_store(url).latest(PASSPORT, "public")


def test_newer_schema_refused_on_postgresql(postgres_url):
    import psycopg

    open_store(postgres_url).schema_version()
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("UPDATE batterypass_schema SET version = %s", (SCHEMA_VERSION + 7,))
    with pytest.raises(StoreError, match="newer than this batterypass"):
        open_store(postgres_url).tokens()


@pytest.mark.parametrize("url, message", [
    ("mysql://x", "starts with sqlite:/// or postgresql://"),
    ("sqlite:///", "name the database file"),
])
def test_bad_store_urls(url, message):
    with pytest.raises(StoreError, match=message):
        open_store(url)


def test_unreachable_postgresql_is_a_clear_error_without_the_password():
    store = open_store("postgresql://user:s3cret@127.0.0.1:1/db")
    with pytest.raises(StoreError) as caught:
        store.tokens()
    assert "cannot connect to PostgreSQL" in str(caught.value) and "s3cret" not in str(caught.value)


def _open_and_write(url: str, barrier, serial: int) -> str:
    barrier.wait()
    try:
        store = open_store(url)
        put(store, f'{{"v": {serial}}}'.encode(), passport_id=f"urn:uuid:00000000-0000-4000-8000-{serial:012d}")
        return "ok"
    except StoreError as exc:
        return str(exc)


def test_processes_making_a_new_sqlite_store_at_once_all_open_it(tmp_path):
    """The store is made under a temporary name and linked into place: no process sees it empty
    or half made (which it would refuse as no store), and no temporary file is left."""
    import multiprocessing

    url = f"sqlite:///{tmp_path / 'new' / 'store.db'}"
    context = multiprocessing.get_context("fork")
    processes = 8
    with context.Manager() as manager:
        barrier = manager.Barrier(processes)
        with context.Pool(processes) as pool:
            outcomes = pool.starmap(_open_and_write, [(url, barrier, n) for n in range(processes)])
    assert outcomes == ["ok"] * processes
    store = open_store(url)
    assert store.schema_version() == SCHEMA_VERSION and store.count_credentials() == processes
    assert sorted(p.name for p in (tmp_path / "new").iterdir() if not p.name.startswith("store.db")) == []
    assert oct((tmp_path / "new" / "store.db").stat().st_mode & 0o777) == "0o600"


def test_a_run_stopped_while_making_the_store_leaves_no_store_to_refuse(tmp_path, monkeypatch):
    """A creator stopped before SQLite has written the new database (here: interrupted in its
    first connect) leaves nothing at the store's path, never an empty file that every later
    run would refuse as no store: the next run makes the store."""
    import batterypass.resolver.store as store_module

    path = tmp_path / "stores" / "store.db"

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store_module.sqlite3, "connect", interrupted)
    with pytest.raises(KeyboardInterrupt):
        open_store(f"sqlite:///{path}").schema_version()
    monkeypatch.undo()
    assert not path.exists()
    assert open_store(f"sqlite:///{path}").schema_version() == SCHEMA_VERSION

"""Two uvicorn workers on one store (SQLite, PostgreSQL) publish and resolve at once, losing no write."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx

from batterypass.resolver.store import open_store
from batterypass.resolver.tokens import ISSUER, create_token

from conftest import DEMO
from resolver_support import fixture, postgres_cluster, postgres_url, running_server, signed_view, store_url, with_serial  # noqa: F401

ISSUER_ID = json.loads((DEMO / "issuer-ed25519" / "did.json").read_text())["id"]
BATTERIES = 24


def test_two_workers_publish_and_resolve_concurrently(store_url):
    token = create_token(open_store(store_url), ISSUER, ISSUER_ID)[1]
    bodies = {f"CONC-{n:03d}": signed_view(with_serial(fixture(), f"CONC-{n:03d}"), "public") for n in range(BATTERIES)}
    with running_server(store_url, workers=2) as base:
        limits = httpx.Limits(max_connections=16)
        with httpx.Client(base_url=base, timeout=60, limits=limits) as client:

            def publish_then_resolve(item: tuple[str, bytes]) -> tuple[int, int, bytes]:
                serial, body = item
                posted = client.post("/api/v1/credentials", content=body, headers={"Authorization": f"Bearer {token}"})
                resolved = client.get(f"/01/04012345000016/21/{serial}", headers={"Accept": "application/json"})
                return posted.status_code, resolved.status_code, resolved.content

            # Every battery twice at once: one of each pair publishes, the other finds it there.
            with ThreadPoolExecutor(max_workers=12) as pool:
                outcomes = list(pool.map(publish_then_resolve, [*bodies.items(), *bodies.items()]))
        assert sorted(posted for posted, _, _ in outcomes) == [200] * BATTERIES + [201] * BATTERIES
        assert all(resolved == 200 for _, resolved, _ in outcomes)
        assert {content for _, _, content in outcomes} == set(bodies.values())
    store = open_store(store_url)
    assert store.count_credentials() == BATTERIES
    assert all(store.latest(json.loads(b)["id"], "public").version == 1 for b in bodies.values())

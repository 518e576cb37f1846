"""A passport handed over on a resolver: at waste, the operator the holder names takes the
passport (and its QR link) over and publishes its next versions; nobody else does.

The life is made with the real commands: build and `end-of-life --status waste --operator` by
the manufacturer, `keygen --operator` for the producer responsibility organisation (in a trust
store listing both), its `end-of-life --status recycled`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from batterypass.cli import main
from batterypass.resolver.links import CEASED
from batterypass.resolver.publishing import credential_files
from batterypass.resolver.static_export import StaticSite
from batterypass.resolver.store import SCHEMA_VERSION, open_store
from batterypass.verifying.trust import TrustStore

from conftest import DEMO, FIXTURES
from resolver_support import postgres_cluster, postgres_url, running_server, store_url  # noqa: F401 - fixtures

MAKER_KEY = DEMO / "issuer-ed25519" / "private.pem"
MAKER = "did:web:aurora-cells.example"
PRO, PRO_DID = "LEI:98450000BATTERYPRO1", "did:web:battery-pro.example"
INTRUDER, INTRUDER_DID = "LEI:9845001NTRUDER00042", "did:web:intruder.example"
GTIN, SERIAL = "04012345000016", "P90-2027-004711"
LINK = f"/01/{GTIN}/21/{SERIAL}"


def run(runner, *args, code=0, env=None):
    result = runner.invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def run_json(runner, *args, code=0, env=None):
    return json.loads(run(runner, *args, "--json", code=code, env=env).stdout)


@pytest.fixture(scope="module")
def life(tmp_path_factory):
    """The manufacturer's build and waste version (naming the PRO), the PRO's final version, all in
    one output directory; an intruder's and the PRO's out-of-turn versions elsewhere."""
    from click.testing import CliRunner

    runner, root = CliRunner(), tmp_path_factory.mktemp("handover")
    trust, out = root / "trust", root / "out"
    shutil.copytree(DEMO / "trust", trust)
    for name, issuer, operator in (("pro", PRO_DID, PRO), ("intruder", INTRUDER_DID, INTRUDER)):
        run(runner, "keygen", "--out", root / name, "--issuer", issuer, "--operator", operator)
        shutil.copy(root / name / "did.json", trust / f"{name}.did.json")
    built = run_json(runner, "build", FIXTURES / "ev-pack.json", "--out", out, "--key", MAKER_KEY,
                     "--issued-at", "2026-11-25T08:00:00Z")
    waste = run_json(runner, "end-of-life", built["files"]["passport"], "--status", "waste", "--key", MAKER_KEY,
                     "--operator", PRO, "--operator-name", "Battery PRO", "--operator-role", "producer-responsibility-organisation",
                     "--out", out, "--issued-at", "2026-11-26T08:00:00Z")
    recycled = run_json(runner, "end-of-life", waste["files"]["passport"], "--status", "recycled", "--key", root / "pro" / "private.pem",
                        "--out", out, "--issued-at", "2026-11-27T08:00:00Z")
    # A third trusted issuer the waste version does not name, claiming the battery for itself
    # (a version it may sign, naming itself), and the PRO numbering its version as the waste
    # version's own (made from version 1).
    intruder = run_json(runner, "end-of-life", waste["files"]["passport"], "--status", "waste", "--key", root / "intruder" / "private.pem",
                        "--operator", INTRUDER, "--operator-name", "Intruder", "--operator-role", "waste-management-operator",
                        "--out", root / "intruder-out", "--issued-at", "2026-11-27T08:00:00Z")
    early = run_json(runner, "end-of-life", built["files"]["passport"], "--status", "waste", "--key", root / "pro" / "private.pem",
                     "--operator", PRO, "--operator-name", "Battery PRO", "--operator-role", "producer-responsibility-organisation",
                     "--out", root / "early-out", "--issued-at", "2026-11-26T09:00:00Z")
    public = lambda summary: Path(summary["files"]["passport"]).with_suffix(".public.json")  # noqa: E731
    return {"runner": runner, "root": root, "trust": trust, "out": out, "passport_id": built["passportId"],
            "versions": [public(s) for s in (built, waste, recycled)], "intruder": public(intruder), "early": public(early),
            "early_full": Path(early["files"]["passport"])}


@pytest.fixture(scope="module")
def transfer(life):
    """The other flow: the PRO (incoming) signs the waste version, the manufacturer (outgoing)
    countersigns it; one directory holds version 1, the PRO's version 2 and the countersignature.
    Without it, another directory; with the intruder's countersignature instead, a third."""
    uuid = life["passport_id"].removeprefix("urn:uuid:")
    dirs = {}
    for name, key in (("countersigned", MAKER_KEY), ("alone", None), ("intruder", life["root"] / "intruder" / "private.pem")):
        directory = dirs[name] = life["root"] / f"transfer-{name}"
        directory.mkdir()
        first = [p for p in life["out"].glob(f"{uuid}*.json") if not p.name.startswith(f"{uuid}.v")]
        for path in [*first, *life["early_full"].parent.glob("*.json")]:
            shutil.copy(path, directory)
        if key is not None:
            run_json(life["runner"], "countersign", life["early_full"], "--out", directory, "--key", key, "--issued-at", "2026-11-26T10:00:00Z")
    return dirs


def publish(life, *paths, target, code=0, env=None, trust=True, token=False):
    extra = (("--trust", life["trust"]) if trust else ()) + (("--token-env", "TOKEN") if token else ())
    return run_json(life["runner"], "publish", *paths, "--to", target, *extra, code=code, env=env)


def results_by_version(answer):
    return sorted((r["version"], r["audience"], r["status"]) for r in answer["results"] if r["status"] != "skipped")


AUDIENCES = sorted(["authority", "legitimate-interest", "public"])


def test_the_whole_life_publishes_into_a_store_and_the_link_follows_the_holder(life, tmp_path, store_url):
    answer = publish(life, life["out"], target=store_url)
    assert answer["refused"] == 0, answer
    assert [r["version"] for r in answer["results"] if r["audience"] == "public"] == [1, 2, 3]
    store = open_store(store_url, create=False)
    latest = store.latest_for_gs1(GTIN, SERIAL, "public")
    assert latest.issuer == PRO_DID and latest.body == life["versions"][2].read_bytes()
    # The manufacturer's versions stay, in the history.
    assert [v.issuer for v in store.versions(life["passport_id"], "public")] == [PRO_DID, MAKER, MAKER]
    # Publishing it all again changes nothing, although the manufacturer no longer holds it.
    again = publish(life, life["out"], target=store_url)
    assert {r["status"] for r in again["results"]} == {"unchanged", "skipped"}, again


def test_a_third_trusted_issuer_not_named_is_refused(life, store_url):
    publish(life, *life["versions"][:2], target=store_url)
    answer = publish(life, life["intruder"], target=store_url, code=1)
    (result,) = answer["results"]
    assert result["verdict"] == "held-by-another-issuer", result
    why = result["reasons"][0]
    assert f"held by {MAKER}" in why and f"names {PRO} as the responsible operator" in why
    assert f"{INTRUDER_DID} signs for {INTRUDER}" in why and "--operator" in why
    assert open_store(store_url, create=False).latest_for_gs1(GTIN, SERIAL, "public").issuer == MAKER


def test_a_version_not_above_the_latest_is_refused(life, tmp_path):
    target = f"sqlite:///{tmp_path / 'p.db'}"
    publish(life, *life["versions"][:2], target=target)
    (result,) = publish(life, life["early"], target=target, code=1)["results"]
    assert result["verdict"] == "held-by-another-issuer"
    assert f"version 2 is not above version 2, the latest {MAKER} published" in result["reasons"][0]


def test_before_the_waste_version_the_named_operator_is_refused_too(life, tmp_path):
    """The handover is the holder's to give: the PRO's final version cannot precede the version naming it."""
    target = f"sqlite:///{tmp_path / 'p.db'}"
    publish(life, life["versions"][0], target=target)
    (result,) = publish(life, life["versions"][2], target=target, code=1)["results"]
    maker_lei = json.loads((FIXTURES / "ev-pack.json").read_text())["manufacturer"]["identifier"]
    assert f"names {maker_lei} as the responsible operator" in result["reasons"][0]


def test_nothing_is_handed_over_after_the_final_version(life, tmp_path):
    """Once the holder's latest version is final, no other issuer publishes after it, whoever it signs for."""
    site = StaticSite(tmp_path / "site")
    trust = TrustStore.load(life["trust"])
    for path in life["versions"]:
        assert site.publish(path.read_bytes(), trust, str(path)).status == "published"
    result = site.publish(life["intruder"].read_bytes(), trust)
    assert result.verdict == "held-by-another-issuer"
    assert f"held by {PRO_DID}" in result.reasons[0] and "the passport has ceased" in result.reasons[0]


def test_over_http_the_handover_publishes_and_the_intruder_gets_409(life, tmp_path):
    store = f"sqlite:///{tmp_path / 'p.db'}"
    tokens = {issuer: run_json(life["runner"], "token", "create", "--issuer", issuer, "--store", store)["token"]
              for issuer in (MAKER, PRO_DID, INTRUDER_DID)}
    out, uuid = life["out"], life["passport_id"].removeprefix("urn:uuid:")
    with running_server(store, trust=life["trust"]) as base:
        def post(path: Path, issuer: str) -> httpx.Response:
            return httpx.post(f"{base}/api/v1/credentials", content=path.read_bytes(),
                              headers={"Authorization": f"Bearer {tokens[issuer]}"})

        made = publish(life, *(p for p in credential_files([out]) if ".v3." not in p.name), target=base, trust=False,
                       env={"TOKEN": tokens[MAKER]}, token=True)
        assert results_by_version(made) == [(1, a, "published") for a in AUDIENCES] + [(2, a, "published") for a in AUDIENCES]
        intruder = post(life["intruder"], INTRUDER_DID)
        assert intruder.status_code == 409 and intruder.json()["verdict"] == "held-by-another-issuer"
        assert "end-of-life --status waste --operator" in intruder.json()["reasons"][0]
        early = post(life["early"], PRO_DID)
        assert early.status_code == 409 and "is not above version 2" in early.json()["reasons"][0]
        # The PRO publishes its version with its own token, through the CLI.
        final = publish(life, *out.glob(f"{uuid}.v3.*.json"), target=base, trust=False, env={"TOKEN": tokens[PRO_DID]}, token=True)
        assert results_by_version(final) == [(3, a, "published") for a in AUDIENCES]
        credential = httpx.get(f"{base}{LINK}", headers={"Accept": "application/json"})
        assert credential.content == life["versions"][2].read_bytes()
        for n, path in enumerate(life["versions"], 1):
            assert httpx.get(f"{base}/passports/{uuid}/versions/{n}/public.json").content == path.read_bytes()


def test_machines_are_told_the_passport_has_ceased(life, tmp_path):
    """The final version's answers say so in the Link header and the linkset, which lists every
    version; the final credential and the history stay served."""
    store, uuid = f"sqlite:///{tmp_path / 'p.db'}", life["passport_id"].removeprefix("urn:uuid:")
    final = f"/passports/{uuid}/versions/3/public.json"
    publish(life, *life["versions"][:2], target=store)
    with running_server(store, trust=life["trust"]) as base:
        before = httpx.get(f"{base}{LINK}", headers={"Accept": "application/json"})
        assert CEASED not in before.headers["link"]
        assert CEASED not in httpx.get(f"{base}{LINK}?linkType=all").json()["linkset"][0]
        publish(life, life["versions"][2], target=store)
        for path, accept in ((LINK, "application/json"), (LINK, "text/html"), (f"/{uuid}", "application/vc+ld+json"),
                             (f"/passports/{uuid}/public.json", "*/*"), (f"/passports/{uuid}/linkset.json", "*/*")):
            answer = httpx.get(f"{base}{path}", headers={"Accept": accept})
            assert answer.status_code == 200
            assert f'<{final}>; rel="{CEASED}"' in answer.headers["link"], (path, answer.headers["link"])
        assert httpx.head(f"{base}{LINK}").headers["link"] == answer.headers["link"]
        linkset = httpx.get(f"{base}{LINK}", headers={"Accept": "application/linkset+json"}).json()["linkset"][0]
        assert [link["href"] for link in linkset[CEASED]] == [final]
        assert [link["href"] for link in linkset["latest-version"]] == [final]
        assert [link["href"] for link in linkset["predecessor-version"]] == [final.replace("/3/", f"/{n}/") for n in (2, 1)]
        for n, path in enumerate(life["versions"], 1):
            assert httpx.get(f"{base}/passports/{uuid}/versions/{n}/public.json").content == path.read_bytes()
        assert "This passport has ceased" in httpx.get(f"{base}{LINK}", headers={"Accept": "text/html"}).text


def test_the_static_export_follows_the_handover(life, tmp_path):
    root = tmp_path / "site"
    answer = publish(life, life["out"], target=f"static:{root}")
    assert answer["refused"] == 0, answer
    assert (root / "01" / GTIN / "21" / SERIAL / "index.vc-ld-json").read_bytes() == life["versions"][2].read_bytes()
    base = root / "passports" / life["passport_id"].removeprefix("urn:uuid:")
    assert (base / ".holder").read_text() == PRO_DID
    assert [(base / "versions" / str(n) / "public.json").read_bytes() for n in (1, 2, 3)] == [p.read_bytes() for p in life["versions"]]
    linkset = json.loads((base / "linkset.json").read_text())["linkset"][0]
    assert [link["href"] for link in linkset[CEASED]] == [f"/passports/{base.name}/versions/3/public.json"]
    assert len(linkset["predecessor-version"]) == 2
    refused = publish(life, life["intruder"], target=f"static:{root}", code=1)["results"][0]
    assert refused["verdict"] == "held-by-another-issuer"


def test_a_directory_publishes_versions_in_number_order(tmp_path):
    names = ["u.json", "0b5e3a52-0000-4000-8000-000000000001.v10.public.json", "0b5e3a52-0000-4000-8000-000000000001.v2.json",
             "0b5e3a52-0000-4000-8000-000000000001.public.json", "0b5e3a52-0000-4000-8000-000000000001.v9.authority.json",
             "0b5e3a52-0000-4000-8000-000000000001.json"]
    for name in names:
        (tmp_path / name).write_text("{}")
    order = [p.name.removeprefix("0b5e3a52-0000-4000-8000-000000000001") for p in credential_files([tmp_path])]
    assert order == [".json", ".public.json", ".v2.json", ".v9.authority.json", ".v10.public.json", "u.json"]


def test_a_schema_1_store_is_migrated_to_record_handovers(life, tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    publish(life, *life["versions"][:2], target=url)
    with open_store(url)._cursor() as cursor:  # the store as the previous batterypass left it
        cursor.execute("DROP TABLE handovers")
        cursor.execute("DROP TABLE countersignatures")
        cursor.execute("UPDATE batterypass_schema SET version = 1")
    assert open_store(url).schema_version() == SCHEMA_VERSION == 3
    publish(life, life["versions"][2], target=url)
    assert open_store(url).latest_for_gs1(GTIN, SERIAL, "public").issuer == PRO_DID


def test_a_countersigned_transfer_publishes_into_a_store(life, transfer, tmp_path):
    """The incoming operator signs the waste version, the holder countersigns it: `publish DIR` sends
    the countersignature before the views it hands over, and the PRO then holds the passport."""
    target = f"sqlite:///{tmp_path / 'p.db'}"
    answer = publish(life, transfer["countersigned"], target=target)
    assert answer["refused"] == 0, answer
    statuses = [(r["audience"], r["version"], r["status"]) for r in answer["results"] if r["status"] != "skipped"]
    assert statuses.index(("countersignature", None, "published")) == len(AUDIENCES)
    assert results_by_version({"results": [r for r in answer["results"] if r["version"]]}) == (
        [(1, a, "published") for a in AUDIENCES] + [(2, a, "published") for a in AUDIENCES])
    store = open_store(target, create=False)
    assert store.latest_for_gs1(GTIN, SERIAL, "public").body == life["early"].read_bytes()
    assert [v.issuer for v in store.versions(life["passport_id"], "public")] == [PRO_DID, MAKER]
    # The PRO goes on: its final version (numbered 3, from the manufacturer's version 2) is its own to publish.
    again = publish(life, transfer["countersigned"], target=target)
    assert {r["status"] for r in again["results"]} == {"unchanged", "skipped"}, again


def test_without_the_countersignature_the_transfer_is_refused(life, transfer, tmp_path):
    target = f"sqlite:///{tmp_path / 'p.db'}"
    answer = publish(life, transfer["alone"], target=target, code=1)
    refused = [r for r in answer["results"] if r["status"] == "refused"]
    assert sorted(r["audience"] for r in refused) == AUDIENCES and all(r["version"] is None for r in refused)
    assert {r["verdict"] for r in refused} == {"held-by-another-issuer"}
    assert "countersign" in refused[0]["reasons"][0]
    assert open_store(target, create=False).latest_for_gs1(GTIN, SERIAL, "public").issuer == MAKER


def test_a_countersignature_by_a_third_issuer_is_refused_and_hands_nothing_over(life, transfer, tmp_path):
    target = f"sqlite:///{tmp_path / 'p.db'}"
    answer = publish(life, transfer["intruder"], target=target, code=1)
    by_audience = {r["audience"]: r for r in answer["results"] if r["status"] == "refused"}
    assert sorted(by_audience) == sorted([*AUDIENCES, "countersignature"])
    assert f"held by {MAKER}" in by_audience["countersignature"]["reasons"][0]
    assert f"not {INTRUDER_DID}" in by_audience["countersignature"]["reasons"][0]
    assert open_store(target, create=False).latest_for_gs1(GTIN, SERIAL, "public").issuer == MAKER


def test_a_countersignature_hands_over_to_the_issuer_it_names_only(life, transfer, tmp_path):
    """Every issuer's version 2 of a passport has the same credential id: the holder's consent to
    the PRO's version must not let a third trusted issuer's own version 2 in (review)."""
    uuid = life["passport_id"].removeprefix("urn:uuid:")
    first = sorted(p for p in life["out"].glob(f"{uuid}*.json") if not p.name.startswith(f"{uuid}.v"))
    intruders = run_json(life["runner"], "end-of-life", next(p for p in first if p.name == f"{uuid}.json"), "--status", "waste",
                         "--key", life["root"] / "intruder" / "private.pem", "--operator", INTRUDER, "--operator-name", "Intruder",
                         "--operator-role", "waste-management-operator", "--out", tmp_path / "intruder",
                         "--issued-at", "2026-11-26T11:00:00Z")
    (countersignature,) = transfer["countersigned"].glob("*.countersignature.json")
    target = f"sqlite:///{tmp_path / 'p.db'}"
    publish(life, *first, countersignature, target=target)
    (refused,) = publish(life, intruders["files"]["publicView"], target=target, code=1)["results"]
    assert refused["verdict"] == "held-by-another-issuer", refused
    (published,) = publish(life, life["early"], target=target)["results"]
    assert published["status"] == "published", published
    assert open_store(target, create=False).latest_for_gs1(GTIN, SERIAL, "public").issuer == PRO_DID


def test_a_countersignature_of_a_passport_nobody_published_is_refused(life, transfer, tmp_path):
    (path,) = transfer["countersigned"].glob("*.countersignature.json")
    for target in (f"sqlite:///{tmp_path / 'p.db'}", f"static:{tmp_path / 'site'}"):
        (result,) = publish(life, path, target=target, code=1)["results"]
        assert result["verdict"] == "not-published", result


def test_the_static_export_takes_a_countersigned_transfer(life, transfer, tmp_path):
    root = tmp_path / "site"
    answer = publish(life, transfer["countersigned"], target=f"static:{root}")
    assert answer["refused"] == 0, answer
    base = root / "passports" / life["passport_id"].removeprefix("urn:uuid:")
    assert (base / ".holder").read_text() == PRO_DID
    (kept,) = (base / "countersignatures").glob("*.json")
    assert kept.read_bytes() == next(transfer["countersigned"].glob("*.countersignature.json")).read_bytes()
    assert (root / "01" / GTIN / "21" / SERIAL / "index.vc-ld-json").read_bytes() == life["early"].read_bytes()
    for name in ("alone", "intruder"):
        other = tmp_path / f"site-{name}"
        refused = publish(life, transfer[name], target=f"static:{other}", code=1)["results"]
        assert {r["verdict"] for r in refused if r["status"] == "refused"} == {"held-by-another-issuer"}
        assert not (other / "passports" / base.name / ".holder").exists()


def test_over_http_the_countersignature_hands_the_passport_over(life, transfer, tmp_path):
    store = f"sqlite:///{tmp_path / 'p.db'}"
    tokens = {issuer: run_json(life["runner"], "token", "create", "--issuer", issuer, "--store", store)["token"]
              for issuer in (MAKER, PRO_DID)}
    directory, uuid = transfer["countersigned"], life["passport_id"].removeprefix("urn:uuid:")
    version_2 = sorted(directory.glob(f"{uuid}.v2.*.json"))
    (countersignature,) = directory.glob("*.countersignature.json")
    with running_server(store, trust=life["trust"]) as base:
        def post(path: Path, issuer: str) -> httpx.Response:
            return httpx.post(f"{base}/api/v1/credentials", content=path.read_bytes(),
                              headers={"Authorization": f"Bearer {tokens[issuer]}"})

        version_1 = [p for p in directory.glob(f"{uuid}.*.json") if not p.name.startswith(f"{uuid}.v")]
        publish(life, *version_1, target=base, trust=False, env={"TOKEN": tokens[MAKER]}, token=True)
        early = post(life["early"], PRO_DID)
        assert early.status_code == 409 and "countersign" in early.json()["reasons"][0]
        assert post(countersignature, PRO_DID).status_code == 403  # a countersignature is the holder's
        made = post(countersignature, MAKER)
        assert made.status_code == 201 and made.json()["audience"] == "countersignature", made.json()
        assert post(countersignature, MAKER).status_code == 200
        for path in version_2:
            if path.name.endswith((".public.json", ".authority.json", ".legitimate-interest.json")):
                answer = post(path, PRO_DID)
                assert answer.status_code == 201 and answer.json()["version"] == 2, answer.json()
        credential = httpx.get(f"{base}{LINK}", headers={"Accept": "application/json"})
        assert credential.content == life["early"].read_bytes()

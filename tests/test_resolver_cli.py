"""publish, token, audit, render and serve from the command line."""

from __future__ import annotations

import json
import os
import stat

import httpx
import pytest
from pypdf import PdfReader

from batterypass.cli import main

from conftest import DEMO
from resolver_support import TRUST, fixture, output_directory, running_server, signed_full, signed_view, with_serial

ISSUER_ID = json.loads((DEMO / "issuer-ed25519" / "did.json").read_text())["id"]


def run(runner, *args: str, env: dict[str, str] | None = None):
    return runner.invoke(main, list(args), env=env)


def test_publish_an_output_directory_into_a_store(runner, tmp_path):
    out = output_directory(tmp_path / "out", fixture())
    store = f"sqlite:///{tmp_path / 'p.db'}"
    first = run(runner, "publish", str(out), "--to", store, "--trust", str(TRUST), "--json")
    assert first.exit_code == 0, first.output
    results = {r["file"].rsplit("/", 1)[1]: r for r in json.loads(first.output)["results"]}
    statuses = sorted((r["audience"] or "", r["status"]) for r in results.values())
    assert statuses == [("", "skipped"), ("authority", "published"), ("legitimate-interest", "published"), ("public", "published")]
    skipped = next(r for r in results.values() if r["status"] == "skipped")
    assert skipped["verdict"] == "full-credential"
    again = run(runner, "publish", str(out), "--to", store, "--trust", str(TRUST), "--json")
    assert {r["status"] for r in json.loads(again.output)["results"]} == {"skipped", "unchanged"}
    human = run(runner, "publish", str(out), "--to", store, "--trust", str(TRUST))
    assert human.exit_code == 0 and "unchanged public v1" in human.output


def test_publish_refusals_exit_1_with_one_result_per_file(runner, tmp_path):
    good = tmp_path / "good.json"
    good.write_bytes(signed_view(fixture(), "public"))
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(good.read_bytes().replace(b'"batteryMass": ', b'"batteryMass": 9'))
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    result = run(runner, "publish", str(good), str(tampered), str(broken), "--to", f"sqlite:///{tmp_path / 'p.db'}",
                 "--trust", str(TRUST), "--json")
    assert result.exit_code == 1
    answer = json.loads(result.output)
    assert [(r["status"], r["verdict"]) for r in answer["results"]] == [("published", "valid"), ("refused", "invalid"), ("refused", "invalid")]
    assert answer["refused"] == 2 and "malformed JSON" in answer["results"][2]["reasons"][0]


def test_publish_usage_errors(runner, tmp_path):
    good = tmp_path / "good.json"
    good.write_bytes(signed_view(fixture(), "public"))
    no_trust = run(runner, "publish", str(good), "--to", f"sqlite:///{tmp_path / 'p.db'}")
    assert no_trust.exit_code == 2 and "--trust is required" in no_trust.output
    bad_store = run(runner, "publish", str(good), "--to", "ftp://x", "--trust", str(TRUST))
    assert bad_store.exit_code == 2 and "starts with sqlite:/// or postgresql://" in bad_store.output
    no_token = run(runner, "publish", str(good), "--to", "http://127.0.0.1:9")
    assert no_token.exit_code == 2 and "--token-env" in no_token.output


def test_tokens_create_list_revoke(runner, tmp_path):
    store = f"sqlite:///{tmp_path / 'p.db'}"
    created = run(runner, "token", "create", "--audience", "authority", "--store", store, "--expires-in", "12h", "--json")
    assert created.exit_code == 0, created.output
    token = json.loads(created.output)
    assert set(token) >= {"id", "token"} and token["token"].startswith(f"bpt_{token['id']}_")
    listed = run(runner, "token", "list", "--store", store, "--json")
    assert token["token"] not in listed.output
    (entry,) = json.loads(listed.output)["tokens"]
    assert entry["id"] == token["id"] and entry["scope"] == "authority" and entry["revokedAt"] is None
    assert run(runner, "token", "revoke", token["id"], "--store", store).exit_code == 0
    assert json.loads(run(runner, "token", "list", "--store", store, "--json").output)["tokens"][0]["revokedAt"]
    assert run(runner, "token", "revoke", "ffffffffffffffff", "--store", store).exit_code == 1
    both = run(runner, "token", "create", "--audience", "authority", "--issuer", ISSUER_ID, "--store", store)
    assert both.exit_code == 2
    assert run(runner, "token", "create", "--audience", "authority", "--store", store, "--expires-in", "forever").exit_code == 1
    # The plain form prints the token alone on stdout (for a secret store), the rest on stderr.
    plain = run(runner, "token", "create", "--issuer", ISSUER_ID, "--store", store)
    assert plain.exit_code == 0 and plain.stdout.strip().startswith("bpt_")


def test_publish_over_http_with_an_issuer_token(runner, tmp_path):
    store = f"sqlite:///{tmp_path / 'p.db'}"
    token = json.loads(run(runner, "token", "create", "--issuer", ISSUER_ID, "--store", store, "--json").output)["token"]
    out = output_directory(tmp_path / "out", with_serial(fixture(), "CLI-HTTP-1"))
    with running_server(store) as base:
        result = run(runner, "publish", str(out), "--to", base, "--token-env", "ISSUER_TOKEN", "--json", env={"ISSUER_TOKEN": token})
        assert result.exit_code == 0, result.output
        assert sorted(r["status"] for r in json.loads(result.output)["results"]) == ["published"] * 3 + ["skipped"]
        page = httpx.get(f"{base}/01/04012345000016/21/CLI-HTTP-1", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "CLI-HTTP-1" in page.text
        wrong = run(runner, "publish", str(out), "--to", base, "--token-env", "ISSUER_TOKEN", "--json", env={"ISSUER_TOKEN": "bpt_x"})
        assert wrong.exit_code == 1 and {r["verdict"] for r in json.loads(wrong.output)["results"] if r["status"] != "skipped"} == {"http-401"}


def test_render_html_and_pdf(runner, tmp_path):
    data = fixture()
    data["passport"]["voluntaryDataAudience"] = "public"  # raw-material origin shown on the public page
    view = tmp_path / "view.json"
    view.write_bytes(signed_view(data, "public"))
    html = tmp_path / "page.html"
    result = run(runner, "render", str(view), "--format", "html", "--out", str(html), "--trust", str(TRUST), "--json")
    assert result.exit_code == 0, result.output and json.loads(result.output)["verification"] == "valid"
    text = html.read_text(encoding="utf-8")
    assert "(01)04012345000016(21)P90-2027-004711" in text and 'id="carbon-chart"' in text and "Verified" in text
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from elsewhere
    pdf = tmp_path / "page.pdf"
    result = run(runner, "render", str(view), "--format", "pdf", "--out", str(pdf), "--trust", str(TRUST))
    assert result.exit_code == 0, result.output
    extracted = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "P90-2027-004711" in extracted and "Verified: signed by a trusted issuer" in extracted
    assert "attributed (mass balance)" in extracted
    unverified = run(runner, "render", str(view), "--format", "html", "--out", str(html))
    assert "Not verified: rendered without a trust store" in html.read_text(encoding="utf-8") and unverified.exit_code == 0


def test_render_a_full_credential_shows_its_public_view_only(runner, tmp_path):
    from resolver_support import signed_full

    full = tmp_path / "full.json"
    full.write_bytes(signed_full(fixture()))
    html = tmp_path / "page.html"
    assert run(runner, "render", str(full), "--format", "html", "--out", str(html), "--trust", str(TRUST)).exit_code == 0
    text = html.read_text(encoding="utf-8")
    assert "Verified" in text and "original" not in text  # the battery status is point 4, not public


def test_render_bad_input_is_one_clear_message(runner, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"a": 1, "a": 2}', encoding="utf-8")
    result = run(runner, "render", str(broken), "--format", "html", "--out", str(tmp_path / "x.html"))
    assert result.exit_code == 1 and "duplicate key" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.html").exists()


def test_serve_refuses_a_bad_store_or_trust_store(runner, tmp_path):
    bad = run(runner, "serve", "--store", "ftp://x", "--trust", str(TRUST))
    assert bad.exit_code == 2 and "starts with sqlite:///" in bad.output
    missing_trust = run(runner, "serve", "--store", f"sqlite:///{tmp_path / 'p.db'}")
    assert missing_trust.exit_code == 2 and "--trust is required" in missing_trust.output


def test_a_new_sqlite_store_is_private(runner, tmp_path):
    """It holds the restricted views: readable by its owner only (SQLite gives its WAL the same mode)."""
    store = tmp_path / "p.db"
    run(runner, "token", "create", "--audience", "authority", "--store", f"sqlite:///{store}", "--json")
    for path in tmp_path.glob("p.db*"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_a_recycled_battery_gets_a_page_saying_its_passport_has_ceased(runner, tmp_path):
    out = output_directory(tmp_path / "out", fixture())
    (full,) = [p for p in out.glob("*.json") if p.name.count(".") == 1]
    html = tmp_path / "page.html"
    assert run(runner, "render", str(full.with_name(full.stem + ".public.json")), "--format", "html", "--out", str(html)).exit_code == 0
    assert "This passport has ceased" not in html.read_text(encoding="utf-8")
    # The final version, as end-of-life writes it (Art. 77(8)), with its public view beside it.
    key = DEMO / "issuer-ed25519" / "private.pem"
    assert run(runner, "end-of-life", str(full), "--status", "recycled", "--key", str(key), "--out", str(out),
               "--issued-at", "2026-11-28T00:00:00Z").exit_code == 0
    final = full.with_name(f"{full.stem}.v2.public.json")
    assert run(runner, "render", str(final), "--format", "html", "--out", str(html), "--trust", str(TRUST)).exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert "This passport has ceased" in page and "Art. 77(8)" in page
    # The status alone is no end of life: a view saying "waste" without the final version's record.
    subject = json.loads(signed_view(fixture(), "legitimate-interest"))["credentialSubject"]
    subject["generalProductInformation"]["batteryStatus"] = "waste"
    status_only = tmp_path / "status-only.json"
    status_only.write_bytes(signed_view(fixture(), "legitimate-interest", subject=subject))
    assert run(runner, "render", str(status_only), "--format", "html", "--out", str(html)).exit_code == 0
    assert "This passport has ceased" not in html.read_text(encoding="utf-8")


def test_serve_logs_nothing_about_its_visitors_and_sets_no_cookie(runner, tmp_path):
    store = f"sqlite:///{tmp_path / 'p.db'}"
    token = json.loads(run(runner, "token", "create", "--audience", "authority", "--store", store, "--json").output)["token"]
    out = output_directory(tmp_path / "out", fixture())
    assert run(runner, "publish", str(out), "--to", store, "--trust", str(TRUST)).exit_code == 0
    log: list[str] = []
    with running_server(store, log=log) as base:
        uuid = next(out.glob("*.public.json")).name.split(".")[0]
        responses = [
            httpx.get(f"{base}/01/04012345000016/21/P90-2027-004711", headers={"Accept": "text/html", "User-Agent": "Visitor/1.0"}),
            httpx.get(f"{base}/passports/{uuid}/authority.json", headers={"Authorization": f"Bearer {token}"}),
            httpx.get(f"{base}/01/04012345000016/21/NOPE"),
        ]
    assert [r.status_code for r in responses] == [200, 200, 404]
    assert all("set-cookie" not in r.headers for r in responses)
    (text,) = log
    assert "127.0.0.1:" not in text.replace(base, "") and "Visitor" not in text and token not in text
    assert "GET /" not in text


def test_publish_of_nothing_but_full_credentials_exits_1_and_says_why(runner, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "full.json").write_bytes(signed_full(fixture()))
    for target in (f"sqlite:///{tmp_path / 'p.db'}", f"static:{tmp_path / 'site'}"):
        human = run(runner, "publish", str(out), "--to", target, "--trust", str(TRUST))
        assert human.exit_code == 1, human.output
        assert "full.json is the full credential, kept by the issuer; publish the audience views build writes" in human.output
        assert "error: nothing was published" in human.output
        answer = json.loads(run(runner, "publish", str(out), "--to", target, "--trust", str(TRUST), "--json").output)
        assert answer["problems"][0]["message"].startswith("nothing was published")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(runner, "publish", str(empty), "--to", f"sqlite:///{tmp_path / 'p.db'}", "--trust", str(TRUST))
    assert result.exit_code == 1 and "no credential file (*.json)" in result.output


def test_a_static_export_of_restricted_views_only_publishes_nothing(runner, tmp_path):
    view = tmp_path / "authority.json"
    view.write_bytes(signed_view(fixture(), "authority"))
    result = run(runner, "publish", str(view), "--to", f"static:{tmp_path / 'site'}", "--trust", str(TRUST))
    assert result.exit_code == 1 and "only `serve` serves it" in result.output and "nothing was published" in result.output


@pytest.mark.parametrize("command", [["audit"], ["token", "list"], ["token", "revoke", "t1"]])
def test_reading_commands_never_create_a_store(runner, tmp_path, command):
    url = f"sqlite:///{tmp_path / 'missing' / 'x.db'}"
    result = run(runner, *command, "--store", url)
    assert result.exit_code == 2 and "there is no store at" in result.output, result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", [b"", b"{", b'{"not": "a store"}\n'])
@pytest.mark.parametrize("command", [["audit"], ["token", "list"], ["token", "create", "--audience", "authority"], ["publish"]])
def test_a_file_that_is_not_a_store_is_left_as_it_is(runner, tmp_path, content, command):
    notes = tmp_path / "notes.json"
    notes.write_bytes(content)
    if command == ["publish"]:
        view = tmp_path / "view.json"
        view.write_bytes(signed_view(fixture(), "public"))
        command = ["publish", str(view), "--trust", str(TRUST), "--to"]
    else:
        command = [*command, "--store"]
    result = run(runner, *command, f"sqlite:///{notes}")
    assert result.exit_code == 2 and "is not a batterypass store" in result.output, result.output
    assert notes.read_bytes() == content and not list(tmp_path.glob("notes.json-*"))


def test_another_programs_sqlite_database_is_left_as_it_is(runner, tmp_path):
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE mine (x)")
    result = run(runner, "token", "create", "--audience", "authority", "--store", f"sqlite:///{other}")
    assert result.exit_code == 2 and "a SQLite database but not a batterypass store" in result.output, result.output
    with sqlite3.connect(other) as connection:
        assert [row[0] for row in connection.execute("SELECT name FROM sqlite_master")] == ["mine"]

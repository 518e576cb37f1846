"""Commands of a passport's life: update, update-batch, second-life, end-of-life, history, and status lists
(create, revoke, suspend, reinstate)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, get_args

import click

from ..errors import BatteryPassError, InvalidInputError, Problem
from ..formats.epcis import changes_from_epcis, is_epcis_document
from ..issuing import lifecycle
from ..issuing.batch import read_items
from ..issuing.issuance import IssuedPassport, Signer
from ..jsonio import load_json_file, read_bytes
from ..model.lifecycle import SecondLifeOperation
from ..securing.signing import DATA_INTEGRITY, ENVELOPES
from ..securing.status_list import MAX_BITSTRING_BYTES, MIN_BITSTRING_BYTES, create_status_list, set_entry_status
from ..securing.documents import credential_of, load_document
from ..verifying.history import verify_history
from ..verifying.trust import TrustStore
from ..verifying.verification import PRECEDENCE, Status, check_status_lists
from ..issuing.views import VIEW_CHOICES
from .main import (
    EXIT_USAGE,
    _echo,
    _echo_err,
    _echo_files,
    _emit_json,
    _handles_errors,
    _issued_at,
    _passphrase,
    _report_error,
    existing_file,
    issuing,
    issuing_options,
    json_option,
    main,
    report_batch,
    status_allocator,
    views_option,
)


#: The report of update-batch, beside batch's (not *.json, so history and verify skip it).
UPDATE_REPORT_NAME = "update-report.jsonl"


def signing_options(command: Any) -> Any:
    """--key and how to sign with it: what every command that issues a version or a list takes."""
    for option in reversed(
        [
            click.option("--key", "key_path", type=existing_file, required=True, help="Private key (private.pem from keygen)."),
            click.option("--passphrase-env", metavar="VAR", help="Environment variable holding the key's passphrase."),
            click.option("--envelope", type=click.Choice(ENVELOPES), default=DATA_INTEGRITY, show_default=True),
            click.option("--cert-chain", type=existing_file, help="PEM chain (leaf first) for the jose envelope's x5c."),
        ]
    ):
        command = option(command)
    return command


def _signer(options: dict[str, Any]) -> Signer:
    return Signer.from_files(
        options["key_path"], _passphrase(options["passphrase_env"]), options["envelope"], options["cert_chain"]
    )


def version_options(command: Any) -> Any:
    """Where a new version goes and what it carries besides its change."""
    for option in reversed(
        [
            click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
                         help="Output directory (the passport's own, so that versions stay together)."),
            click.option("--issued-at", metavar="DATETIME", help="validFrom and proof time (default: now)."),
            click.option("--allow-future", is_flag=True, help="Accept an --issued-at in the future."),
            click.option("--status-list", "status_list_path", type=existing_file,
                         help="Status list whose next free entry the version gets."),
            views_option,
        ]
    ):
        command = option(command)
    return command


def _print_issued(issued: IssuedPassport, as_json: bool) -> None:
    summary = issued.summary()
    if as_json:
        _emit_json(summary)
        return
    _echo(f"passport {summary['passportId']} version {summary['version']} ({'signed' if summary['signed'] else 'unsigned'})")
    _echo_files(summary["files"])


@main.command()
@click.argument("passport_file", metavar="PASSPORT", type=existing_file)
@click.option("--data", "data_file", type=existing_file, required=True,
              help="The change: JSON as update.state-of-health.json, or a GS1 EPCIS 2.0 document.")
@version_options
@signing_options
@json_option
@_handles_errors
def update(passport_file: Path, data_file: Path, out_dir: Path, issued_at: str | None, status_list_path: Path | None,
           as_json: bool, **options: Any) -> None:
    """Issue the next version of the passport in PASSPORT (its current version) with the change in
    --data: condition records, a status change or corrected data with a reason. A GS1 EPCIS 2.0
    document gives one version per event, in time order."""
    data = load_json_file(data_file)
    previous = lifecycle.read_version(passport_file)
    notes: list[str] = []
    changes = [data]
    if is_epcis_document(data):
        changes, notes = changes_from_epcis(data, previous.passport, str(data_file))
    signer, allocator = _signer(options), status_allocator(status_list_path)
    issued = lifecycle.update_passport_in_turn(
        previous, changes, out_dir, signer=signer, issued_at=_issued_at(issued_at, options["allow_future"]),
        status_list=allocator, source=str(data_file), views=VIEW_CHOICES[options["views"]],
    )
    for note in notes:
        _echo_err(f"note: {note}")
    if as_json and len(issued) > 1:
        _emit_json({**issued[-1].summary(), "versions": [i.summary() for i in issued], "notes": notes})
        return
    for one in issued:
        _print_issued(one, as_json)


@main.command("update-batch")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="The directory holding the passports, where their new versions go.")
@click.option("--issued-at", metavar="DATETIME", help="validFrom and proof time of every version (default: now).")
@click.option("--allow-future", is_flag=True, help="Accept an --issued-at in the future.")
@click.option("--status-list", "status_list_path", type=existing_file, help="Status list whose next free entry each version gets.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores", help="Worker processes.")
@views_option
@signing_options
@json_option
@_handles_errors
def update_batch(input_path: Path, out_dir: Path, issued_at: str | None, status_list_path: Path | None, jobs: int, as_json: bool,
                 **options: Any) -> None:
    """Apply the changes in INPUT (JSONL, a directory of *.json, or - for stdin), one per passport,
    each with its "passportId", to the passports in --out: a fleet's nightly update.

    A bad item never stops the others; a rerun skips the changes already recorded, so an
    interrupted batch resumes. Every item's outcome goes to OUT/update-report.jsonl.
    Exit code: 0 when every item succeeded, 1 when any failed.
    """
    report = out_dir / UPDATE_REPORT_NAME
    results = lifecycle.update_many(
        read_items(input_path), out_dir, signer=_signer(options), issued_at=_issued_at(issued_at, options["allow_future"]),
        status_list=status_allocator(status_list_path), jobs=jobs, report=report, views=VIEW_CHOICES[options["views"]],
    )
    report_batch(results, input_path, report, as_json, "updates", "updated")


@main.command("end-of-life")
@click.argument("passport_file", metavar="PASSPORT", type=existing_file)
@click.option("--status", type=click.Choice(lifecycle.END_OF_LIFE_STATUSES), required=True)
@click.option("--reason", help="Why (default: the battery has become waste / has been recycled).")
@click.option("--operator", metavar="ID", help="waste: the operator responsible from now on (default: the producer).")
@click.option("--operator-name", metavar="NAME", help="Its name (with --operator).")
@click.option("--operator-role", type=click.Choice(["producer", "producer-responsibility-organisation", "waste-management-operator"]),
              help="Its role (with --operator).")
@version_options
@signing_options
@json_option
@_handles_errors
def end_of_life(passport_file: Path, status: str, reason: str | None, operator: str | None, operator_name: str | None,
                operator_role: str | None, out_dir: Path, issued_at: str | None, status_list_path: Path | None, as_json: bool,
                **options: Any) -> None:
    """Record that the battery has become waste (responsibility moves to the producer, its
    producer responsibility organisation or a waste management operator, Art. 77(8)) or has
    been recycled (the final version, signed by whoever is then responsible: none may follow)."""
    named = None
    if operator or operator_name or operator_role:
        if status != "waste":
            raise click.UsageError("--operator is for --status waste: responsibility moves at waste")
        if not (operator and operator_name and operator_role):
            raise click.UsageError("--operator needs --operator-name and --operator-role")
        named = {"identifier": operator, "name": operator_name, "role": operator_role}
    issued = lifecycle.end_of_life(
        passport_file, status, out_dir, signer=_signer(options), operator=named, reason=reason,
        issued_at=_issued_at(issued_at, options["allow_future"]),
        status_list=status_allocator(status_list_path), views=VIEW_CHOICES[options["views"]],
    )
    _print_issued(issued, as_json)


@main.command("second-life")
@click.argument("originals", metavar="ORIGINAL...", nargs=-1, required=True, type=existing_file)
@click.option("--data", "data_file", type=existing_file, required=True, help="Build data of the new battery.")
@click.option("--operation", type=click.Choice(get_args(SecondLifeOperation)),
              help="What was done to the originals (default: from the build data's battery.status).")
@issuing_options
@json_option
@_handles_errors
def second_life(originals: tuple[Path, ...], data_file: Path, operation: str | None, out_dir: Path, as_json: bool,
                **options: Any) -> None:
    """Issue the new passport of a battery made from the ORIGINAL passports' batteries (Art. 77(7)),
    linked to each, and record on each original its new status and its new responsible operator."""
    settings = issuing(options)
    if settings["signer"] is None:
        raise click.UsageError("second-life needs --key: responsibility passes to the operator that signs")
    if settings["valid_until"] is not None:
        raise click.UsageError("--valid-until is not available for second-life")
    settings.pop("valid_until")
    issued, changed = lifecycle.second_life(
        list(originals), load_json_file(data_file), out_dir, operation=operation, source=str(data_file), **settings
    )
    if as_json:
        _emit_json({**issued.summary(), "originals": [c.summary() for c in changed]})
        return
    _print_issued(issued, as_json)
    for one in changed:
        _print_issued(one, as_json)


@main.command()
@click.argument("version_file", metavar="VERSION", type=existing_file)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Where to write the countersignature (the passport's directory).")
@click.option("--issued-at", metavar="DATETIME", help="validFrom and proof time (default: now).")
@click.option("--allow-future", is_flag=True, help="Accept an --issued-at in the future.")
@signing_options
@json_option
@_handles_errors
def countersign(version_file: Path, out_dir: Path, issued_at: str | None, as_json: bool, **options: Any) -> None:
    """Countersign a transfer VERSION (second life, waste) as the outgoing operator; history shows it."""
    path = lifecycle.countersign(version_file, out_dir, signer=_signer(options), issued_at=_issued_at(issued_at, options["allow_future"]))
    if as_json:
        _emit_json({"files": {"countersignature": str(path)}})
    else:
        _echo(f"countersignature: {path}")


@main.command()
@click.argument("paths", metavar="PASSPORT_DIR_OR_FILES", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--trust", "trust_path", type=click.Path(exists=True, path_type=Path), required=True, help="Trust store, as for verify.")
@click.option("--status-list", "status_list_files", type=existing_file, multiple=True, help="Cached status list (repeatable).")
@click.option("--at", "at", metavar="DATETIME", help="Judge as of this time (default: now).")
@json_option
def history(paths: tuple[Path, ...], trust_path: Path, status_list_files: tuple[Path, ...], at: str | None, as_json: bool) -> None:
    """Verify every version of the passports in PASSPORT_DIR_OR_FILES and the chain that links them.

    Exit codes as for verify (a broken chain is 1, invalid); with several passports, the worst.
    """
    try:
        now = _issued_at(at, allow_future=True, option="--at")
        trust = TrustStore.load(trust_path)
        lists = check_status_lists([load_document(read_bytes(p), str(p)) for p in status_list_files], trust, now=now)
        results = verify_history(paths, trust, status_lists=lists, now=now)
    except BatteryPassError as exc:
        _report_error(exc, as_json, status="usage-error")
        sys.exit(EXIT_USAGE)
    if not results:
        _report_error(InvalidInputError([Problem("$", "no battery passport found")], " ".join(map(str, paths))), as_json)
        sys.exit(Status.INVALID.exit_code)
    worst = next((s for s in PRECEDENCE if any(r.status is s for r in results)), Status.VALID)
    if as_json:
        _emit_json({"status": worst.value, "exitCode": worst.exit_code, "passports": [r.to_dict() for r in results]})
        sys.exit(worst.exit_code)
    for result in results:
        current = f", current version {result.current}" if result.current else ""
        _echo(f"passport {result.passport_id}: {result.status.value.upper()}{current}{' (ceased)' if result.ceased else ''}")
        for verdict in result.versions:
            entry = verdict.to_dict()
            view = f" {entry['audience']} view" if entry["audience"] else ""
            state = entry["status"].upper() + (", superseded" if entry["superseded"] else "")
            changes = ", ".join(entry["changes"])
            _echo(f"  v{entry['version']}{view} {state}: {changes} at {entry['changedAt'] or 'issue'} ({entry['file']})")
            if entry["issuer"]:
                operator = f" for operator {entry['operator']}" if entry["operator"] else ""
                _echo(f"      signed by {entry['issuer']}{operator}")
            for countersignature in entry["countersignatures"]:
                mark = "" if countersignature["accepted"] else "not accepted: "
                _echo(f"      {mark}{countersignature['detail']} ({countersignature['file']})")
        for reason in result.reasons:
            _echo(f"  why: {reason}")
    sys.exit(worst.exit_code)


@main.group("status-list")
def status_list_group() -> None:
    """Bitstring Status Lists, issuer side: create one, then revoke, suspend or reinstate credentials."""


@status_list_group.command("create")
@click.option("--purpose", type=click.Choice(["revocation", "suspension"]), required=True)
@click.option("--url", required=True, help="Where the list will be published (credentials name it).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--size", type=click.IntRange(min=MIN_BITSTRING_BYTES * 8, max=MAX_BITSTRING_BYTES * 8), default=MIN_BITSTRING_BYTES * 8,
              show_default=True, help="Entries (a multiple of 8).")
@signing_options
@json_option
@_handles_errors
def status_list_create(purpose: str, url: str, out_file: Path, size: int, as_json: bool, **options: Any) -> None:
    """Write a signed, empty status list to --out and its allocation record beside it."""
    if size % 8:
        raise click.BadParameter("must be a multiple of 8", param_hint="--size")
    if not url.startswith("https://"):
        raise click.BadParameter("must be an https URL", param_hint="--url")
    signer = _signer(options)
    path = create_status_list(out_file, url=url, issuer=signer.identity.id, purpose=purpose, sign=_sign_with(signer), size=size)
    summary = {"statusList": url, "purpose": purpose, "size": size, "files": {"statusList": str(path)}}
    if as_json:
        _emit_json(summary)
    else:
        _echo(f"{purpose} list {url} ({size} entries): {path}")


def _sign_with(signer: Signer) -> Any:
    return lambda credential, created: signer.sign(credential, created=created)


def _status_command(name: str, value: bool, purpose: str, doc: str) -> None:
    @main.command(name, help=doc)
    @click.argument("credential_file", metavar="CREDENTIAL", type=existing_file)
    @click.option("--list", "list_file", type=existing_file, required=True, help="The status list file to re-issue.")
    @signing_options
    @json_option
    @_handles_errors
    def command(credential_file: Path, list_file: Path, as_json: bool, **options: Any) -> None:
        credential, _ = credential_of(load_document(read_bytes(credential_file), str(credential_file)))
        signer = _signer(options)
        list_document = load_json_file(list_file)
        subject = list_document.get("credentialSubject") if isinstance(list_document, dict) else None
        if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
            raise InvalidInputError([Problem("$.credentialSubject.statusPurpose", f"{name} needs a {purpose} list")], str(list_file))
        entry = set_entry_status(list_file, credential, value=value, issuer=signer.identity.id, sign=_sign_with(signer))
        summary = {"credentialId": credential.get("id"), "action": name, "statusListIndex": entry.index,
                   "files": {"statusList": str(list_file)}}
        if as_json:
            _emit_json(summary)
        else:
            _echo(f"{name}: {credential.get('id')} (entry {entry.index} of {entry.list_url}); publish {list_file}")


_status_command("revoke", True, "revocation", "Revoke CREDENTIAL for good: set its entry in the revocation --list and re-issue the list.")
_status_command("suspend", True, "suspension", "Suspend CREDENTIAL: set its entry in the suspension --list and re-issue the list.")
_status_command("reinstate", False, "suspension", "Lift a suspension: clear CREDENTIAL's entry in the suspension --list and re-issue the list.")

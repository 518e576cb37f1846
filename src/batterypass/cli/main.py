"""The ``batterypass`` command line: click commands only, the work is done by the library.

Conventions every command keeps: human text by default, one JSON object on stdout with
``--json``; problems on stderr, one line each, naming the file and the JSON path; exit 0 on
success, 1 on invalid input or a failed check, 2 on a usage error. No traceback for bad input.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Generator, Iterator
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import click

from ..law import identifiers, rules
from ..law.acts import BUILT_IN, ActsTable, load_acts

from ..securing import keys

from ..carriers import qr
from ..issuing.assemble import build_draft, parse_build_data
from ..issuing.batch import REPORT_NAME, BatchSummary, ItemResult, build_many, count_items, read_items
from ..verifying.documents import ContentReport, check_content, credential_inputs, is_build_data, passport_of
from ..securing.documents import credential_of, load_document
from ..errors import BatteryPassError, InvalidInputError, PassportNotRequiredError, Problem
from ..formats.convert import IMPORTABLE, NATIVE, convert, foreign_format_problem, import_items, load_input, parse_input
from ..formats.mapping import Conversion
from ..issuing.issuance import QrOptions, Signer, issue_passport, passport_file_stem
from ..issuing.views import VIEW_CHOICES, cut_view, view_path
from ..model.access import Access
from ..verifying.comparison import compare_credentials
from ..jsonio import dumps_pretty, load_json_file, parse_json, pretty_fragment, read_bytes, read_stream, write_atomic
from ..model.schemas import write_schemas
from ..securing.signing import DATA_INTEGRITY, ENVELOPES
from ..securing.status_list import StatusListAllocator
from ..verifying.trust import TrustStore
from ..verifying.verification import DEFAULT_MAX_STATUS_AGE, NOT_A_PASSPORT, PRECEDENCE, Status, VerificationResult, check_status_lists
from ..verifying.verification import verify as verify_document

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
#: 128 + SIGINT, what shells report for a program stopped by Ctrl-C.
EXIT_INTERRUPTED = 130
#: The file name that means standard input or output.
STDIO = "-"


def _read_input(path: Path) -> bytes:
    """A file's bytes, or standard input's for ``-``, within the document size limit."""
    if str(path) != STDIO:
        return read_bytes(path)
    return read_stream(sys.stdin.buffer, "stdin")


def _printable(text: object) -> str:
    """``text`` safe for a terminal: control and format characters (newlines, ANSI escapes,
    bidirectional overrides) from a document are shown escaped, never obeyed, so a forged
    file cannot paint "VALID" over its own verdict."""
    return "".join(
        char if unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp") else char.encode("unicode_escape").decode("ascii")
        for char in str(text)
    )


def _echo(text: str) -> None:
    """Print a line that may quote a document, through :func:`_printable`."""
    click.echo(_printable(text))


def _echo_err(text: str) -> None:
    click.echo(_printable(text), err=True)


def _echo_files(files: dict[str, Any]) -> None:
    """The ``files`` of a command's summary, one ``  name: path`` line each."""
    for name, path in files.items():
        _echo(f"  {name}: {path}")


def _emit_json(obj: Any) -> None:
    # The compiled writer: the standard library indents in pure Python, which cost `verify
    # --json` more per passport than parsing the passport did.
    click.echo(dumps_pretty(obj).decode("utf-8"), nl=False)


def _camel_case(name: str) -> str:
    """``did_document`` -> ``didDocument``: every ``--json`` key is camelCase."""
    first, *rest = name.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _for_people(millimetres: float) -> float:
    """A length as a person reads it: 21.2, not 21.200000000000003 (micrometres are below print)."""
    return round(millimetres, 3)


def _report_error(exc: BatteryPassError, as_json: bool, status: str | None = None) -> None:
    if as_json:
        status = status or ("not-required" if isinstance(exc, PassportNotRequiredError) else "invalid")
        # problems[] is always there: one per field for invalid data, else the one problem at "$".
        problems = exc.problems if isinstance(exc, InvalidInputError) else [Problem("$", str(exc))]
        body: dict[str, Any] = {"status": status, "error": str(exc), "problems": [p.to_dict() for p in problems]}
        if isinstance(exc, InvalidInputError):
            body["source"] = exc.source
        _emit_json(body)
        return
    if isinstance(exc, InvalidInputError):
        where = f"{exc.source}: " if exc.source else ""
        for problem in exc.problems:
            _echo_err(f"error: {where}{problem}")
    else:
        _echo_err(f"error: {exc}")


def _handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the library's typed errors into a clear message and exit 1 (never a traceback)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BatteryPassError as exc:
            _report_error(exc, kwargs.get("as_json", False))
            sys.exit(EXIT_INVALID)
        except BrokenPipeError:
            # The reader went away (`... | head`): click's entry point exits quietly, as a
            # Unix tool should, with nothing more written to either stream.
            raise
        except OSError as exc:
            _report_error(BatteryPassError(f"{exc.filename or ''}: {exc.strerror}"), kwargs.get("as_json", False))
            sys.exit(EXIT_INVALID)

    return wrapper


def _passphrase(env_var: str | None) -> bytes | None:
    """Passphrases come from an environment variable only: never argv (visible in ps) or a prompt in CI."""
    if env_var is None:
        return None
    value = os.environ.get(env_var)
    if not value:
        raise click.UsageError(f"--passphrase-env {env_var}: that environment variable is not set or empty")
    return value.encode("utf-8")


#: How far ``--issued-at`` may lie ahead of this machine's clock without ``--allow-future``.
CLOCK_SKEW = timedelta(minutes=5)


def _issued_at(value: str | None, allow_future: bool = False, option: str = "--issued-at") -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date-time in the years 1-9999", param_hint=option) from None
    if not allow_future and moment > datetime.now(timezone.utc) + CLOCK_SKEW:
        # Verifiers call such passports not-yet-valid until then: almost always a typo.
        raise click.BadParameter(
            f"{value} is in the future: every verifier rejects the passport until then (--allow-future to mean it)",
            param_hint=option,
        )
    return moment


_DURATION = re.compile(r"(\d{1,6})([dhm])")
_DURATION_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def _duration(value: str) -> timedelta:
    """``30d``, ``12h`` or ``90m``."""
    match = _DURATION.fullmatch(value.strip())
    if not match:
        raise click.BadParameter(f"{value!r} is not a duration such as 30d, 12h or 90m", param_hint="--max-status-age")
    return timedelta(**{_DURATION_UNITS[match[2]]: int(match[1])})


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
module_mm_option = click.option(
    "--module-mm", type=click.FloatRange(qr.MIN_MODULE_MM, qr.MAX_MODULE_MM), default=qr.DEFAULT_MODULE_MM,
    show_default=True, help=f"QR module size in mm, {qr.MIN_MODULE_MM}-{qr.MAX_MODULE_MM} (the GS1 range).",
)
label_option = click.option(
    "--label", default="identifier", show_default=True, metavar="identifier|serial|none|text:TEXT",
    help=f"Human-readable line under the QR code (at most {qr.MAX_LABEL_CHARS} characters).",
)
existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)
#: An input file, or - for standard input.
input_file = click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path)
acts_option = click.option(
    "--acts", "acts_path", type=existing_file,
    help="Acts table (the shape `batterypass acts --json` prints) to judge dates under, when an act has been adopted.",
)


def _acts(path: Path | None) -> ActsTable | None:
    return load_acts(path) if path is not None else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="batterypass", prog_name="batterypass")
def main() -> None:
    """Build, sign, QR-label and verify EU battery passports (Regulation (EU) 2023/1542)."""


views_option = click.option(
    "--views", "views", type=click.Choice(list(VIEW_CHOICES)), default="all", show_default=True,
    help="Audience views to write beside the full passport (Annex XIII): none, public, or all three.",
)


def issuing_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``build`` and ``batch`` share: where to write, how to sign, the QR code."""
    for option in reversed(
        [
            click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
                         help="Output directory."),
            click.option("--key", "key_path", type=existing_file, help="Issuer private key (private.pem from keygen)."),
            click.option("--envelope", type=click.Choice(ENVELOPES), default=DATA_INTEGRITY, show_default=True),
            click.option("--cert-chain", type=existing_file, help="PEM chain (leaf first) for the jose envelope's x5c."),
            click.option("--passphrase-env", metavar="VAR", help="Environment variable holding the key's passphrase."),
            click.option("--resolver", metavar="URL", help="HTTPS base URL the QR code links to (default: from the build data)."),
            module_mm_option,
            label_option,
            click.option("--no-qr", is_flag=True, help="Write no QR code."),
            click.option("--voluntary", is_flag=True,
                         help="Issue a passport even where Art. 77(1) requires none (marked voluntary)."),
            click.option("--issued-at", metavar="DATETIME",
                         help="validFrom and proof time (default: now), for reproducible builds."),
            views_option,
            click.option("--valid-until", metavar="DATETIME", help="validUntil of the credentials (default: none)."),
            click.option("--status-list", "status_list_path", type=existing_file,
                         help="Status list (from `status-list create`) whose next free entry each credential gets."),
            click.option("--allow-future", is_flag=True, help="Accept an --issued-at in the future."),
            click.option("--replace-other-issuer", is_flag=True,
                         help="Replace a passport in --out that another issuer signed (refused otherwise)."),
            acts_option,
        ]
    ):
        command = option(command)
    return command


input_format_option = click.option(
    "--input-format", type=click.Choice((NATIVE, *IMPORTABLE)), default=NATIVE, show_default=True,
    help="The format of the input: batterypass build data, or a format `convert` imports.",
)


def _print_not_carried(source: str, conversion: Conversion) -> None:
    for note in conversion.losses:
        _echo_err(f"not carried: {source}: {note}")


def status_allocator(path: Path | None) -> StatusListAllocator | None:
    return StatusListAllocator(path) if path is not None else None


def _qr_options(options: dict[str, Any]) -> QrOptions:
    try:
        return QrOptions(
            enabled=not options["no_qr"], resolver=options["resolver"], module_mm=options["module_mm"], label=options["label"]
        )
    except qr.QrError as exc:
        raise click.BadParameter(str(exc), param_hint="--label") from None


def issuing(options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of issue_passport and build_many, from :func:`issuing_options`' values."""
    key_path, cert_chain = options["key_path"], options["cert_chain"]
    if key_path is None and cert_chain is not None:
        raise click.UsageError("--cert-chain needs --key")
    signer = None
    if key_path is not None:
        signer = Signer.from_files(key_path, _passphrase(options["passphrase_env"]), options["envelope"], cert_chain)
    issued_at = _issued_at(options["issued_at"], options["allow_future"])
    valid_until = _issued_at(options["valid_until"], allow_future=True, option="--valid-until")
    if valid_until is not None and valid_until <= (issued_at or datetime.now(timezone.utc)):
        raise click.BadParameter("must be after the issue time", param_hint="--valid-until")
    return {
        "signer": signer,
        "qr_options": _qr_options(options),
        "issued_at": issued_at,
        "voluntary": options["voluntary"],
        "views": VIEW_CHOICES[options["views"]],
        "valid_until": valid_until,
        "status_list": status_allocator(options["status_list_path"]),
        "replace_other_issuer": options["replace_other_issuer"],
        "acts": _acts(options["acts_path"]),
    }


@main.command()
@click.argument("build_file", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@issuing_options
@input_format_option
@click.option("--draft", is_flag=True,
              help="Write an unsigned draft (NAME.draft.json) listing the missing data points instead of refusing.")
@json_option
@_handles_errors
def build(build_file: Path, out_dir: Path, input_format: str, draft: bool, as_json: bool, **options: Any) -> None:
    """Build the passport for the battery described in BUILD_FILE, sign it with --key, and write
    it with its QR code into --out."""
    data, conversion = _build_input(build_file, input_format, draft)
    if draft:
        _write_draft(data, conversion, build_file, out_dir, as_json, options)
        return
    issued = issue_passport(data, out_dir, source=str(build_file), **issuing(options))
    summary = issued.summary()
    if "qrSideMm" in summary:
        summary["qrSideMm"] = _for_people(summary["qrSideMm"])
    if as_json:
        _emit_json(summary if conversion is None else {**summary, "conversion": conversion.to_dict()})
        return
    if conversion is not None:
        _print_not_carried(str(build_file), conversion)
    _echo(f"passport {summary['passportId']} ({'signed' if summary['signed'] else 'unsigned'})")
    if issued.url:
        _echo(f"QR link {issued.url} ({issued.qr_side_mm:g} mm square at {options['module_mm']:g} mm/module)")
    _echo_files(summary["files"])


def _build_input(build_file: Path, input_format: str, draft: bool) -> tuple[Any, Conversion | None]:
    """BUILD_FILE's build data, and the conversion that made it when --input-format is another
    format (with --draft, an import that lacks data points is kept for the draft to list them)."""
    if input_format == NATIVE:
        if build_file.is_dir():  # only Battery Pass 1.2 comes as a directory
            raise click.UsageError(_printable(f"{build_file} is a directory: give a build-data file"))
        return parse_json(_read_input(build_file), str(build_file)), None
    conversion = convert_input(build_file, input_format, NATIVE, draft)
    return conversion.document, conversion


def convert_input(path: Path, source: str, target: str, draft: bool) -> Conversion:
    """The file (or directory, or - for standard input) ``path`` in format ``source`` converted
    to ``target``, with the repairs its reading needed."""
    if str(path) == STDIO:
        document, repairs = parse_input(_read_input(path), str(path), source)
    else:
        document, repairs = load_input(path, source)
    conversion = convert(document, source, target, draft=draft, origin=str(path))
    conversion.repairs[:0] = repairs
    return conversion


def _write_draft(data: Any, conversion: Conversion | None, build_file: Path, out_dir: Path, as_json: bool,
                 options: dict[str, Any]) -> None:
    if options["key_path"] is not None:
        raise click.UsageError("--draft writes an unsigned draft: drop --key")
    made = build_draft(data, voluntary=options["voluntary"], resolver=options["resolver"],
                       source=str(build_file), acts=_acts(options["acts_path"]))
    path = write_atomic(out_dir / f"{passport_file_stem(made.passport_id)}.draft.json", dumps_pretty(made.to_dict()))
    if as_json:
        summary = {"draft": True, "passportId": made.passport_id, "signed": False,
                   "missing": [p.to_dict() for p in made.missing], "files": {"draft": str(path)}}
        _emit_json(summary if conversion is None else {**summary, "conversion": conversion.to_dict()})
        return
    if conversion is not None:
        _print_not_carried(str(build_file), conversion)
    _echo(f"DRAFT {made.passport_id} (unsigned, not a passport): {len(made.missing)} data point(s) missing")
    for problem in made.missing:
        _echo(f"  missing: {problem}")
    _echo(f"  draft: {path}")


@main.command()
@click.argument("file", type=input_file)
@acts_option
@json_option
@_handles_errors
def validate(file: Path, acts_path: Path | None, as_json: bool) -> None:
    """Check build data or a passport FILE and report every problem with its JSON path.

    A file in another format `convert` knows is named as such, with the command that converts it."""
    data = _read_input(file)
    report = check_content(data, str(file), _acts(acts_path))
    if not report.ok and (foreign := foreign_format_problem(load_document(data, str(file)), str(file))):
        name, problem = foreign
        report = ContentReport(f"{name} document", [problem])
    if as_json:
        _emit_json({"file": str(file), **report.to_dict()})
    else:
        for problem in report.problems:
            _echo_err(f"error: {file}: {problem}")
        for note in report.notes:
            _echo(f"note: {note}")
        _echo(report.verdict(str(file)))
    sys.exit(EXIT_OK if report.ok else EXIT_INVALID)


@main.command()
@click.argument("build_file", type=input_file)
@acts_option
@json_option
@_handles_errors
def obligations(build_file: Path, acts_path: Path | None, as_json: bool) -> None:
    """Which obligations of the Regulation apply to this battery, which are pending on an act
    not yet in force, and which the data meets."""
    build = parse_build_data(parse_json(_read_input(build_file), str(build_file)), str(build_file))
    found = rules.obligations(build, acts=_acts(acts_path))
    if as_json:
        _emit_json(
            {
                "placedOnMarketDate": build.battery.placedOnMarketDate.isoformat(),
                "passportRequired": found[0].applies,
                "obligations": [o.to_dict() for o in found],
            }
        )
        return
    _echo(f"{build.battery.model} ({build.battery.serialNumber}), placed on the market {build.battery.placedOnMarketDate}")
    for o in found:
        mark = {"not-applicable": "n/a", "pending": "pending"}.get(o.state) or ("met" if o.met else "MISSING")
        _echo(f"  [{mark:7}] {o.title} ({o.article}): {o.reason}")
        for missing in o.missing:
            _echo(f"            missing {missing}")


@main.command()
@json_option
def acts(as_json: bool) -> None:
    """The delegated and implementing acts the Regulation's dates depend on (the built-in table).

    Save the --json output, set an act's entryIntoForce when it is adopted, and pass the file
    with --acts to build, batch, validate, verify and obligations.
    """
    if as_json:
        _emit_json(BUILT_IN.to_dict())
        return
    for act in BUILT_IN.acts:
        when = f"in force {act.entryIntoForce}" if act.entryIntoForce else "not in force"
        articles = ", ".join(a if a.startswith("Annex") else f"Art. {a}" for a in act.articles)
        _echo(f"{act.id} ({act.kind}; {articles}): {act.title}; {when}")


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--alg", "algorithm", type=click.Choice(keys.ALGORITHMS), default="ed25519", show_default=True, help="Key algorithm."
)
@click.option("--issuer", "issuer_id", help="Issuer id: did:web:HOST, an https URL (default: the key's did:key).")
@click.option("--passphrase-env", metavar="VAR", help="Encrypt private.pem with the passphrase in this environment variable.")
@click.option("--operator", "operators", metavar="ID", multiple=True,
              help="An economic operator identifier (LEI, EORI, GLN...) this issuer signs passports for (repeatable).")
@json_option
@_handles_errors
def keygen(out_dir: Path, algorithm: str, issuer_id: str | None, passphrase_env: str | None, operators: tuple[str, ...],
           as_json: bool) -> None:
    """Create an issuer key: private.pem (mode 0600), public.jwk.json and did.json (listing the
    --operator identifiers in alsoKnownAs)."""
    key = keys.generate_issuer_key(algorithm)
    paths = keys.write_key_directory(out_dir, key, issuer_id, _passphrase(passphrase_env), operators)
    identity = keys.identity_from_did_document(load_json_file(paths["did_document"]), key)
    summary = {
        "algorithm": algorithm,
        "kid": key.kid,
        "issuer": identity.id,
        "verificationMethod": identity.verification_method,
        "encrypted": passphrase_env is not None,
        "operators": list(dict.fromkeys(operators)),
        "files": {_camel_case(name): str(path) for name, path in paths.items()},
    }
    if as_json:
        _emit_json(summary)
        return
    _echo(f"{algorithm} key {key.kid} for issuer {identity.id}")
    _echo_files(summary["files"])
    if identity.id.startswith("did:web:"):
        click.echo("publish did.json at the did:web location (https://HOST/.well-known/did.json) so verifiers can pin it")


@main.command()
@click.argument("sources", metavar="FILE|DIR|-...", nargs=-1,
                type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("--trust", "trust_path", type=click.Path(exists=True, path_type=Path), required=True,
              help="Trust store: a DID/controlled-identifier document, a PEM root, or a directory of them.")
@click.option("--status-list", "status_list_files", type=existing_file, multiple=True,
              help="Cached Bitstring Status List credential (repeatable).")
@click.option("--require-status", is_flag=True, help="Fail (status-unknown) when revocation status cannot be established.")
@click.option("--max-status-age", "max_status_age", metavar="AGE", default=f"{DEFAULT_MAX_STATUS_AGE.days}d", show_default=True,
              help="A status list issued longer ago (30d, 12h, 90m) is stale: it cannot prove a passport unrevoked.")
@acts_option
@click.option("-q", "--quiet", is_flag=True, help="Print only the verdicts that are not valid, and the summary.")
@click.option("-v", "--verbose", is_flag=True, help="Print every check of every verdict.")
@click.option("--compare", "compare_files", nargs=2, type=existing_file, metavar="A B",
              help="Also check that credentials A and B (views or full) of one passport version agree on every field they share.")
@json_option
def verify(
    sources: tuple[Path, ...], trust_path: Path, status_list_files: tuple[Path, ...], require_status: bool,
    max_status_age: str, acts_path: Path | None, quiet: bool, verbose: bool, compare_files: tuple[Path, Path] | None,
    as_json: bool,
) -> None:
    """Verify passports (or any VC) that others issued, offline, against the --trust store.

    Each source is a credential file, a directory (every *.json and *.jwt file in it: full
    passports and audience views alike) or - (standard input: one credential, JSONL line or
    compact JWS, or one path a line). Each verdict names the audience of what it checked and
    ends with what to do next; a summary line counts the verdicts. --compare A B verifies A
    and B too (when no source holds them) and compares the two if both are valid.

    \b
    Exit code, the worst verdict's:
      0 valid           1 invalid (forged, tampered, malformed; --compare: A and B differ or cannot be compared)
      3 unknown-issuer  7 unlisted-key (a known issuer never listed the key)
      4 expired         8 not-yet-valid
      5 revoked         6 status-unknown (with --require-status)
      9 unsupported (an algorithm or cryptosuite we do not implement)
      2 usage error (bad trust store or status list, nothing to verify)

    \b
    Examples:
      batterypass verify out/ --trust keys/demo/trust --quiet
      find lot-7 -name '*.json' | batterypass verify - --trust trust/ --json
    """
    if not sources and not compare_files:
        raise click.UsageError("give the FILE|DIR|- to verify, or --compare A B")
    try:
        trust = TrustStore.load(trust_path)
        status_lists = check_status_lists(
            [load_document(read_bytes(path), str(path)) for path in status_list_files], trust,
            max_status_age=_duration(max_status_age),
        )
        acts_table = _acts(acts_path)
    except BatteryPassError as exc:
        # A broken trust store or status list is the verifier's set-up, not the passport's fault.
        _report_error(exc, as_json, status="usage-error")
        sys.exit(EXIT_USAGE)
    for skipped in trust.skipped:
        for problem in skipped.problems:
            _echo_err(f"warning: trust store: {skipped.source}: {problem} (file skipped)")
    results: list[Any] = []
    counts = Counter[Status]()
    # The --compare pair's verification results, by file name (None: unreadable).
    compared = {str(path): path for path in compare_files or ()}
    verified: dict[str, VerificationResult | None] = {}

    def check(name: str, data: bytes | InvalidInputError) -> None:
        if isinstance(data, InvalidInputError):  # unreadable or oversized: nothing to verify
            entry, result = _unreadable_verdict(name, data), None
        else:
            result = verify_document(data, trust, status_lists=status_lists, require_status=require_status, acts=acts_table)
            entry = {"file": name, **result.to_dict()}
        if name in compared:
            verified[name] = result
        counts[Status(entry["status"])] += 1
        if as_json:
            results.append(pretty_fragment(entry, depth=2))  # in "results", in the report object
        elif not (quiet and entry["status"] == Status.VALID.value):
            _print_verdict(entry, verbose)

    for name, data in credential_inputs(sources):
        check(name, data)
    # The pair is verified once: here only when no source held it.
    for name, data in credential_inputs([path for name, path in compared.items() if name not in verified]):
        check(name, data)
    if not counts:
        # Nothing verified is never "valid": `find ... | verify - && release` must not release on a typo.
        where = ", ".join("standard input" if str(source) == STDIO else str(source) for source in sources)
        _report_error(BatteryPassError(f"nothing to verify: no credential found in {where}"), as_json, status="usage-error")
        sys.exit(EXIT_USAGE)
    comparison = _compare(compare_files, verified) if compare_files else None
    failed = {status for status, n in counts.items() if n}
    if comparison and comparison["agree"] is not True:
        # Asked to compare and could not, or they differ: never a pass (`verify --compare A B && ship`).
        failed.add(Status.INVALID)
    worst = next((s for s in PRECEDENCE if s in failed), Status.VALID)
    summary = {"total": counts.total(), "byStatus": {s.value: counts[s] for s in Status if counts[s]}}
    if as_json:
        skipped = [{"file": e.source, "problems": [p.to_dict() for p in e.problems]} for e in trust.skipped]
        body = {
            "status": worst.value, "exitCode": worst.exit_code, "results": results, "summary": summary,
            "trustStoreSkipped": skipped,
        }
        _emit_json(body if comparison is None else {**body, "comparison": comparison})
    else:
        if comparison:
            _print_comparison(comparison)
        counted = ", ".join(f"{n} {status}" for status, n in summary["byStatus"].items())
        click.echo(f"{summary['total']} credential(s): {counted}")
    sys.exit(worst.exit_code)


def _compare(pair: tuple[Path, Path], verified: dict[str, VerificationResult | None]) -> dict[str, Any]:
    """The ``comparison`` of ``verify --compare``: only credentials that verified VALID are compared."""
    first, second = (str(path) for path in pair)
    body: dict[str, Any] = {"first": first, "second": second}
    credentials = {name: result.credential if result else None for name, result in verified.items()}
    unverified = [name for name in (first, second) if credentials.get(name) is None]
    if unverified:
        names = " and ".join(dict.fromkeys(unverified))
        return {**body, "agree": None, "reason": f"not compared: {names} did not verify as valid"}
    try:
        outcome = compare_credentials(credentials[first], credentials[second])
    except InvalidInputError as exc:
        return {**body, "agree": None, "reason": f"not compared: the {exc.source} credential: {exc.problems[0]}"}
    return {
        **body,
        **outcome.to_dict(),
        "reasons": [d.describe(first, second) for d in outcome.differences],
    }


def _print_comparison(comparison: dict[str, Any]) -> None:
    verdict = {True: "AGREE", False: "DIFFER", None: "NOT COMPARED"}[comparison["agree"]]
    lines = [f"compare {comparison['first']} {comparison['second']}: {verdict}"]
    if comparison["agree"] is not None:
        first, second = comparison["audiences"]
        lines.append(f"  passport {comparison['passportId']}: {_AUDIENCE_TEXT[first]} and {_AUDIENCE_TEXT[second]}")
    lines.extend(f"  why: {reason}" for reason in comparison.get("reasons", [comparison.get("reason")]) if reason)
    # The lines quote what the documents claim.
    for line in lines:
        _echo(line)


_AUDIENCE_TEXT = {
    "public": "public view (Annex XIII point 1)",
    "legitimate-interest": "legitimate-interest view (points 1, 2 and 4)",
    "authority": "authority view (points 1, 2 and 3)",
    "full": "full passport (every point; the issuer's copy, not for publication)",
}


def _unreadable_verdict(name: str, error: InvalidInputError) -> dict[str, Any]:
    return {
        "file": name,
        "status": Status.INVALID.value,
        "exitCode": Status.INVALID.exit_code,
        "reasons": [str(p) for p in error.problems],
        "nextStep": Status.INVALID.next_step,
    }


def _print_verdict(entry: dict[str, Any], verbose: bool) -> None:
    # Every line quotes what a document claims: each goes through _printable.
    lines = [f"{entry['file']}: {entry['status'].upper()}"]
    if entry.get("passportId"):
        lines.append(f"  passport {entry['passportId']}")
    if entry.get("issuer"):
        lines.append(f"  issuer   {entry['issuer']} ({entry.get('envelope') or 'unknown envelope'})")
    if entry.get("audience"):
        lines.append(f"  audience {_AUDIENCE_TEXT[entry['audience']]}")
    if entry.get("operator"):
        lines.append(f"  signed by {entry['issuer']} for operator {entry['operator']}")
    if battery := entry.get("battery"):
        lines.append(f"  battery  {battery['batteryModel']} {battery['batteryIdentifier']} by {battery['manufacturer']}")
    if any(check["name"] == "content" and check["detail"] == NOT_A_PASSPORT for check in entry.get("checks", [])):
        lines.append("  content not checked: not a battery passport credential")
    for check in entry.get("checks", []) if verbose else ():
        mark = {True: "ok", False: "FAIL", None: "n/a"}[check["passed"]]
        lines.append(f"  [{mark:4}] {check['name']}: {check['detail']}")
    lines.extend(f"  why: {reason}" for reason in entry.get("reasons", []))
    lines.append(f"  next: {entry['nextStep']}")
    for line in lines:
        _echo(line)


@main.command("qr")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path), required=True,
              help="Output file, or - for standard output (then give --format).")
@click.option("--format", "fmt", type=click.Choice(qr.FORMATS), help="Default: from the --out suffix.")
@module_mm_option
@label_option
@click.option("--resolver", metavar="URL", help="HTTPS resolver base (default: the link recorded in the passport).")
@json_option
@_handles_errors
def qr_command(
    file: Path, out_path: Path, fmt: str | None, module_mm: float, label: str, resolver: str | None, as_json: bool
) -> None:
    """Write the QR code of an existing passport FILE (signed or not; - reads standard input).

    \b
    Examples:
      batterypass qr out/PASSPORT.json --out label.svg --module-mm 0.5
      batterypass qr out/PASSPORT.json --out - --format png --label serial > label.png
    """
    to_stdout = str(out_path) == STDIO
    suffix = "" if to_stdout else out_path.suffix.lower().lstrip(".")
    if fmt and suffix in qr.FORMATS and suffix != fmt:
        raise click.UsageError(_printable(f"--out {out_path} says {suffix}, --format says {fmt}"))
    if not fmt and suffix not in qr.FORMATS:
        raise click.UsageError(_printable(f"--out {out_path}: name a .svg or .png file, or give --format"))
    if to_stdout and as_json:
        raise click.UsageError("--out - writes the image to standard output: it cannot also carry --json")
    fmt = fmt or suffix
    document = load_document(_read_input(file), str(file))
    if is_build_data(document):
        raise click.UsageError(_printable(f"{file} is build data, not a passport: `batterypass build` writes the QR code with it"))
    _, passport, _ = passport_of(document)
    general = passport.generalProductInformation
    if resolver and (problem := identifiers.resolver_problem(resolver)):
        raise InvalidInputError([Problem("--resolver", f"resolver base {problem}")])
    url = identifiers.qr_link(resolver, passport.id, general.gtin, general.serialNumber) if resolver else general.passportUrl
    if url is None:
        raise InvalidInputError([Problem("$.credentialSubject.generalProductInformation.passportUrl", "the passport has no link: give --resolver")])
    try:
        line = qr.label_text(label, general.batteryIdentifier, general.serialNumber)
    except qr.QrError as exc:
        raise click.BadParameter(str(exc), param_hint="--label") from None
    symbol = qr.encode_qr(url)
    image = symbol.svg(module_mm, line) if fmt == "svg" else symbol.png(module_mm, label=line)
    if to_stdout:
        sys.stdout.buffer.write(image)
        return
    write_atomic(out_path, image)
    summary = {"url": url, "sideMm": _for_people(symbol.side_mm(module_mm)), "label": line, "files": {fmt: str(out_path)}}
    if as_json:
        _emit_json(summary)
    else:
        _echo(f"{url} -> {out_path} ({summary['sideMm']:g} mm square)")


@main.command("view")
@click.argument("passport_file", metavar="PASSPORT", type=input_file)
@click.option("--audience", type=click.Choice([a.value for a in Access]), required=True, help="Annex XIII audience of the view.")
@click.option("--key", "key_path", type=existing_file, required=True, help="The issuer's private key (private.pem from keygen).")
@click.option("--passphrase-env", metavar="VAR", help="Environment variable holding the key's passphrase.")
@click.option("--cert-chain", type=existing_file, help="PEM chain (leaf first) for a jose passport's x5c.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Output file, or - for standard output (default: <stem>.<audience>.json beside PASSPORT).")
@json_option
@_handles_errors
def view_command(
    passport_file: Path, audience: str, key_path: Path, passphrase_env: str | None, cert_chain: Path | None,
    out_path: Path | None, as_json: bool,
) -> None:
    """Cut the signed view for one --audience from the full passport credential PASSPORT
    (- reads standard input; then give --out).

    Only its issuer can: PASSPORT must be signed with --key. The view keeps the passport's
    version (validFrom and the rest) and its envelope.
    """
    from_stdin = str(passport_file) == STDIO
    if from_stdin and out_path is None:
        raise click.UsageError("PASSPORT - has no file to write the view beside: give --out FILE or --out -")
    to_stdout = out_path is not None and str(out_path) == STDIO
    if to_stdout and as_json:
        raise click.UsageError("--out - writes the view to standard output: it cannot also carry --json")
    out_path = out_path or view_path(passport_file, audience)
    if not (from_stdin or to_stdout) and out_path.resolve() == passport_file.resolve():
        raise click.UsageError("--out must not be the full passport: it is the issuer's record")
    document = load_document(_read_input(passport_file), str(passport_file))
    envelope = DATA_INTEGRITY if isinstance(document, dict) and "proof" in document else "jose"
    signer = Signer.from_files(key_path, _passphrase(passphrase_env), envelope, cert_chain)
    view = cut_view(document, audience, signer, str(passport_file))
    if to_stdout:
        sys.stdout.buffer.write(dumps_pretty(view))
        return
    write_atomic(out_path, dumps_pretty(view))
    credential, _ = credential_of(view)
    summary = {"passportId": credential["credentialSubject"]["id"], "audience": audience, "id": credential["id"],
               "files": {"view": str(out_path)}}
    if as_json:
        _emit_json(summary)
    else:
        _echo(f"{audience} view {summary['id']} of passport {summary['passportId']} -> {out_path}")


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"), show_default=True)
def schemas(out_dir: Path) -> None:
    """Regenerate the published JSON Schemas from the models."""
    for path in write_schemas(out_dir):
        _echo(str(path))


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@issuing_options
@input_format_option
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="all cores",
              help="Worker processes.")
@click.option("--strict", is_flag=True, help="Count items that need no passport (Art. 77(1)) as failures.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the failures (no summary, no not-required items).")
@click.option("-v", "--verbose", is_flag=True, help="Also print every item's outcome, in input order.")
@json_option
@_handles_errors
def batch(
    input_path: Path, out_dir: Path, jobs: int, input_format: str, strict: bool, quiet: bool, verbose: bool, as_json: bool,
    **options: Any,
) -> None:
    """Build, sign and QR-label the passport of every item of INPUT into --out, as `build` does for one.

    INPUT is a JSONL file (one build-data object a line), a directory of build-data *.json files
    (in name order) or - for JSONL on stdin. A bad item is reported with its line or file name and
    never stops the others. A rerun skips the passports already in --out complete and identical,
    so an interrupted batch resumes. Every item's outcome goes to OUT/batch-report.jsonl.
    Items that need no passport are reported as not required, not as failures (--strict: failures).

    Ctrl-C stops handing out items and lets the running ones finish; a second Ctrl-C exits at
    once (a rerun resumes either way). Exit code: 0 when every item succeeded, 1 when any
    failed, 130 when interrupted.

    \b
    Examples:
      batterypass batch lot.jsonl --out out --key issuer/private.pem --json
      erp-export | batterypass batch - --out out --key issuer/private.pem -j 4
    """
    if input_path.is_dir() and input_path.resolve() == out_dir.resolve():
        raise click.UsageError("--out must not be the INPUT directory: passports would be read as build data next time")
    report = out_dir / REPORT_NAME
    items = read_items(input_path)
    not_carried: dict[str, list[dict[str, str]]] = {}
    if input_format != NATIVE:

        def note_losses(source: str, conversion: Conversion) -> None:
            not_carried[source] = [note.to_dict() for note in conversion.losses]
            if not as_json:
                _print_not_carried(source, conversion)

        items = import_items(items, input_format, note_losses)
    results = build_many(items, out_dir, jobs=jobs, report=report, **issuing(options))
    report_batch(
        results, input_path, report, as_json, "passports", "issued", quiet=quiet, verbose=verbose, strict=strict,
        json_extra={"notCarried": not_carried} if input_format != NATIVE else {},
    )


def report_batch(
    results: Generator[ItemResult, None, None], input_path: Path, report: Path, as_json: bool, label: str, done: str,
    *, quiet: bool = False, verbose: bool = False, strict: bool = False, json_extra: dict[str, Any] | None = None,
) -> None:
    """Run a batch's ``results`` with a progress bar on a terminal, print its summary and exit 0,
    or 1 if any item failed (with ``strict``, also if any needed no passport). ``json_extra``
    joins the ``--json`` summary."""
    summary = BatchSummary()
    progress = (
        click.progressbar(results, length=count_items(input_path), label=label, show_pos=True, file=sys.stderr)
        if not as_json and sys.stderr.isatty()
        else contextlib.nullcontext(results)
    )
    with _interruptible() as interrupted:
        try:
            with progress as shown:
                for result in shown:
                    summary.add(result)
                    if verbose and not as_json:
                        _echo(f"{result.source}: {result.status} {result.passport_id or ''}".rstrip())
        finally:
            # Within the handler: the batch's clean-up waits for running items, and a
            # second Ctrl-C during that wait must still exit at once.
            results.close()
    if interrupted:
        _echo_err(f"interrupted after {summary.total} item(s) ({summary.ok} {done}); run the same command again to resume")
        sys.exit(EXIT_INTERRUPTED)
    if as_json:
        _emit_json({**summary.to_dict(), "report": str(report), **(json_extra or {})})
    else:
        if summary.reissued:
            _echo(f"note: {summary.reissued} passport(s) already in {report.parent} were {done} again (see \"reissued\" in the report)")
        for failure in summary.failures:
            for problem in failure.problems:
                _echo_err(f"error: {failure.source}: {problem}")
            if failure.error:
                _echo_err(f"error: {failure.source}: {failure.error}")
        if summary.failures_not_kept:
            _echo_err(f"error: and {summary.failures_not_kept} more failed item(s): see {report}")
        for item in () if quiet else summary.not_required_items:
            _echo_err(f"not required: {item.source}: {item.error}")
    if not (as_json or quiet):
        _echo(
            f"{summary.total} item(s): {summary.ok} {done}, {summary.skipped} already {done}, "
            f"{summary.not_required} not required, {summary.failed} failed; report {report}"
        )
    sys.exit(EXIT_INVALID if summary.failed or (strict and summary.not_required) else EXIT_OK)


@contextlib.contextmanager
def _interruptible() -> Iterator[list[bool]]:
    """Ctrl-C, the batch way: the first raises KeyboardInterrupt where the batch is, whose
    clean-up (no new items, running ones finish, files flushed) then runs; a second exits at
    once with 130, whatever is running (workers die with this process, PR_SET_PDEATHSIG;
    what they were writing is a temporary file the next run removes). Yields a list that
    holds True after an interrupt."""
    interrupted: list[bool] = []

    def on_interrupt(signum: int, frame: Any) -> None:
        if interrupted:
            os._exit(EXIT_INTERRUPTED)
        interrupted.append(True)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield interrupted
    except KeyboardInterrupt:
        if not interrupted:  # raised by someone else's handler: still an interrupt
            interrupted.append(True)
    finally:
        signal.signal(signal.SIGINT, previous)

"""Many passports in one run: a production lot in, signed passports and QR codes out.

Each item goes through :func:`~batterypass.issuance.issue_passport` exactly as ``build`` would
send it, so a batch writes the same files ``build`` writes. What a batch adds:

* **Isolation.** A bad item (invalid build data, a malformed JSONL line, a battery that needs
  no passport, a second item with the passport id of an earlier one) is a failed
  :class:`ItemResult` naming its source (``lots.jsonl:17``, a file name) and its problems; it
  never stops the others. Passport ids are claimed in input order, so of two items for the
  same battery (same manufacturer identifier, GTIN and serial number) the second fails,
  whichever worker gets to it first, and never overwrites the first; unless the first fails
  itself (invalid data): then the claim passes to the next, so a corrected row appended
  after a bad one is issued. An unexpected error while issuing an item (a bug) fails that
  item only, reported as an internal error naming it.
* **Resumability.** A passport already in the output directory is skipped when it is
  complete and identical: its file parses, its ``credentialSubject`` equals the passport
  assembled from the item now, it is issued by the same issuer (the signer's id, or the
  manufacturer for an unsigned passport) in the same envelope, its signature verifies with
  the signer's *current* key and names its current verification method (and chain), and
  every QR file and audience view the options ask for exists and is not empty (the views are
  written with the full credential, before it). Anything else that is there is
  issued again, and the item's result says why (``reissued``): after a key is revoked and
  replaced, a rerun re-issues everything the old key signed. Assembling is cheap; signing, QR rendering and writing are
  what a skip saves. ``validFrom`` and the proof time are not compared (a rerun would
  otherwise never skip), so a skipped passport keeps the time it was first issued at. What
  is *not* compared is the rendering of existing QR files: their link is in the passport (a
  new ``--resolver`` re-issues), their module size is not, so after changing ``--module-mm``
  write into a new directory (or delete the QR files). Files are renamed into place whole, QR files first and the passport last (a
  passport file means its set is complete), so a killed batch leaves no partial file, only
  temporary files (``.NAME.XXXXXXXX.tmp``), which the next run removes before it starts:
  only those whose NAME is a file a batch writes (``<uuid>.json``, ``<uuid>.qr.svg``,
  ``<uuid>.qr.png``, the report), never another program's.
* **One batch at a time per output directory**, enforced: a batch holds an exclusive
  ``flock`` on the directory itself (released when the process ends, however it ends; no
  lock file is left behind) and a second batch on the same directory fails at once with a
  clear message.
* **File-system errors are per item.** An item whose files cannot be written (a directory
  where its passport file should go, a full disk) fails with the error, recorded in the
  report; the other items go on.
* **Durability, once.** Files are written without a per-file ``fsync`` and the whole batch is
  flushed once when it ends, also when it is interrupted (``syncfs`` of the output's file
  system on Linux, ``sync`` elsewhere, a ``fsync`` per file where neither exists). Atomicity
  comes from the rename, not the fsync, and a power loss mid-batch costs at most a rerun (a
  passport file that lost its content fails to parse and is issued again; an emptied QR
  file is not "existing").
* **Parallelism.** ``jobs`` worker processes, forked so they inherit the signer (an
  :class:`~batterypass.keys.IssuerKey` refuses to be pickled, on purpose). Results come back
  in input order and, given the same ``issued_at``, the files are the same bytes whatever
  the number of jobs (Ed25519 signatures are deterministic; ES256 ones are not). At most a
  few chunks are in flight, so memory stays flat however long the input. Where ``fork`` is
  not available (Windows), items are issued in this process.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import json
import multiprocessing
import os
import re
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from pathlib import Path
from typing import Any, Literal

try:
    import fcntl
except ImportError:  # Windows: no flock; one batch at a time per directory is then the user's to keep
    fcntl = None  # type: ignore[assignment]

from ..law import identifiers
from ..law.acts import ActsTable
from .assemble import build_passport, parse_build_data
from ..securing.credential import PASSPORT_CREDENTIAL_CONTEXT, VC_CONTEXT_V2, credential_issuer_id, default_issuer_id, passport_subject, utc_timestamp
from ..securing.documents import credential_of, load_document
from ..errors import BatteryPassError, InvalidInputError, PassportNotRequiredError, Problem
from .issuance import QrOptions, Signer, passport_files, passport_path, write_passport
from .views import ALL_AUDIENCES, view_file_key
from ..model.views import view_for
from ..model.access import Access
from ..jsonio import create_temporary, jsonl_items, parse_json, read_bytes
from ..model.passport import Passport
from ..securing.status_list import StatusListAllocator

#: The batch report, one JSON object a line, in ``--out``. Not ``*.json``, so that
#: ``batterypass verify OUT/*.json`` sees passports only.
REPORT_NAME = "batch-report.jsonl"
STDIN = "-"

Status = Literal["ok", "failed", "skipped", "not-required"]
#: Items a worker takes at a time: large enough that inter-process traffic is noise next to
#: the work (~3 ms an item), small enough that results and the progress bar flow steadily.
CHUNK_SIZE = 16
#: Failures a :class:`BatchSummary` keeps in memory; the report holds every one.
MAX_FAILURES_KEPT = 100
# What write_atomic names its temporary files: "." + target name + "." + 8 random characters
# (jsonio.create_temporary) + ".tmp", for the names a batch writes. Only these are removed, never another
# program's files.
_STRAY_TEMP = re.compile(
    r"^\.(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:\.v[0-9]+)?"
    + r"(?:\.(?:" + "|".join(re.escape(audience.value) for audience in Access) + r"))?"  # an audience view
    + r"\.(?:json|qr\.svg|qr\.png)|"
    + re.escape(REPORT_NAME) + "|" + re.escape("update-report.jsonl")
    + r")\.[a-z0-9_]{8}\.tmp$"
)

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# Per-file fsyncs are replaced by one flush per batch where there is a sync (not on Windows).
DEFER_SYNC = hasattr(os, "sync")


class BatchError(BatteryPassError):
    """The batch itself failed (not one of its items), e.g. a worker process died."""


@dataclass(frozen=True)
class ItemResult:
    """What became of one input item.

    ``status`` is ``"ok"`` (issued now), ``"skipped"`` (issued earlier, identical),
    ``"not-required"`` (Art. 77(1) asks for no passport, ``error`` says why; not a failure) or
    ``"failed"``: then ``problems`` (invalid data, with build-data paths as ``validate``
    reports them) and/or ``error`` (anything else: a duplicate, another issuer's passport) say why.
    """

    source: str
    status: Status
    passport_id: str | None = None
    files: dict[str, Path] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    error: str | None = None
    #: Why a passport already in the output directory was replaced (status ``"ok"``).
    reissued: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The item's line in the report and its entry in ``--json`` failures."""
        out: dict[str, Any] = {"source": self.source, "status": self.status}
        if self.passport_id:
            out["passportId"] = self.passport_id
        if self.files:
            out["files"] = {name: str(path) for name, path in self.files.items()}
        if self.problems:
            out["problems"] = [p.to_dict() for p in self.problems]
        if self.error:
            out["error"] = self.error
            if not self.problems:  # problems[] always, as every --json output has it
                out["problems"] = [Problem("$", self.error).to_dict()]
        if self.reissued:
            out["reissued"] = self.reissued
        return out


@dataclass
class BatchSummary:
    """Counts and failures of a batch, added up as its results arrive.

    Only the first :data:`MAX_FAILURES_KEPT` failures are kept (``failures_not_kept`` counts
    the others): a lot of a million bad lines must not fill memory; the report lists them all.
    """

    total: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    not_required: int = 0
    reissued: int = 0
    failures: list[ItemResult] = field(default_factory=list)
    failures_not_kept: int = 0
    not_required_items: list[ItemResult] = field(default_factory=list)

    def add(self, result: ItemResult) -> None:
        self.total += 1
        if result.status == "not-required":
            self.not_required += 1
            self.not_required_items.append(result)
            return
        setattr(self, result.status, getattr(self, result.status) + 1)
        self.reissued += result.reissued is not None
        if result.status == "failed":
            if len(self.failures) < MAX_FAILURES_KEPT:
                self.failures.append(result)
            else:
                self.failures_not_kept += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "ok": self.ok,
            "failed": self.failed,
            "skipped": self.skipped,
            "reissued": self.reissued,
            "notRequired": self.not_required,
            "failures": [f.to_dict() for f in self.failures],
            "failuresNotListed": self.failures_not_kept,
            "notRequiredItems": [f.to_dict() for f in self.not_required_items],
        }


# --------------------------------------------------------------------------- input


def read_items(source: str | os.PathLike[str]) -> Iterator[tuple[str, bytes | InvalidInputError]]:
    """The items of a JSONL file, of a directory of ``*.json`` files (by name), of one ``.json``
    file, or of stdin (``-``, JSONL).

    Yields ``(source, raw JSON)`` pairs for :func:`build_many`, read lazily; a JSONL source is
    ``name:line`` (blank lines are skipped, line numbers still count them), a directory's is
    the file name. An item that cannot be read is yielded as its :class:`InvalidInputError`.
    """
    if str(source) == STDIN:
        yield from jsonl_items(sys.stdin.buffer, "stdin")
        return
    path = Path(source)
    if path.is_dir():
        for file in _json_files(path):
            try:
                yield file.name, read_bytes(file)
            except InvalidInputError as exc:
                yield file.name, exc
        return
    if path.suffix.lower() == ".json":  # one build-data document, however it is laid out
        try:
            yield path.name, read_bytes(path)
        except InvalidInputError as exc:
            yield path.name, exc
        return
    with path.open("rb") as fh:
        yield from jsonl_items(fh, path.name)


def count_items(source: str | os.PathLike[str]) -> int | None:
    """How many items :func:`read_items` will yield (for a progress bar); None for stdin."""
    if str(source) == STDIN:
        return None
    path = Path(source)
    if path.is_dir():
        return len(_json_files(path))
    if path.suffix.lower() == ".json":
        return 1
    with path.open("rb") as fh:
        return sum(1 for _ in jsonl_items(fh, path.name))


def _json_files(directory: Path) -> list[Path]:
    files = (path for path in directory.iterdir() if path.suffix.lower() == ".json" and not path.name.startswith("."))
    return sorted(path for path in files if path.is_file())


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class _Settings:
    """What every item of one batch is issued with; workers inherit it when forked."""

    out_dir: Path
    signer: Signer | None
    qr_options: QrOptions
    issued_at: datetime
    voluntary: bool
    views: tuple[Access, ...] = ALL_AUDIENCES
    replace_other_issuer: bool = False
    acts: ActsTable | None = None
    valid_until: datetime | None = None
    status_list: StatusListAllocator | None = None


# An entry is an item ready for a worker, (source, build data, claimed passport id), or the
# result of one that failed before it got there.
_Entry = tuple[str, Any, str | None] | ItemResult


def build_many(
    items: Iterable[tuple[str, Any] | dict[str, Any]],
    out_dir: str | os.PathLike[str],
    *,
    signer: Signer | None = None,
    qr_options: QrOptions = QrOptions(),
    issued_at: datetime | None = None,
    voluntary: bool = False,
    views: tuple[Access, ...] = ALL_AUDIENCES,
    jobs: int = 1,
    report: str | os.PathLike[str] | None = None,
    replace_other_issuer: bool = False,
    acts: ActsTable | None = None,
    valid_until: datetime | None = None,
    status_list: StatusListAllocator | None = None,
) -> Iterator[ItemResult]:
    """Issue a passport for every item into ``out_dir``; yield one :class:`ItemResult` per item, in order.

    ``items`` are build-data dicts (their source is ``item N``) or ``(source, data)`` pairs
    whose data is a dict, JSON text (``bytes``/``str``, parsed strictly) or the
    :class:`InvalidInputError` of an item that could not be read (as :func:`read_items`
    yields). They are consumed as results are taken, a few chunks ahead at most.

    The other options are :func:`~batterypass.issuance.issue_passport`'s; ``issued_at``
    (default: now, taken once) is the same for every item. ``jobs`` > 1 issues in that many
    worker processes. With ``report``, a JSONL line per item is written to that file,
    published (atomically) only when every item is done. A key that cannot sign with
    ``signer``'s envelope raises before any item is issued. An item whose passport in
    ``out_dir`` another issuer signed fails unless ``replace_other_issuer``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def results() -> Iterator[ItemResult]:
        if signer is not None:
            # One throwaway signature: a key/envelope mismatch fails the batch once, not every item.
            signer.sign({"@context": [VC_CONTEXT_V2]}, created=utc_timestamp())
        settings = _Settings(
            out, signer, qr_options, issued_at or datetime.now(timezone.utc), voluntary, views, replace_other_issuer, acts,
            valid_until, status_list,
        )
        claims = _Claims()
        for result in run_in_workers(functools.partial(_issue_entry, settings), claims.entries(items), jobs):
            claims.settle(result)
            yield result

    yield from run_batch(out, results(), report)


def run_batch(out: Path, results: Iterator[ItemResult], report: str | os.PathLike[str] | None) -> Iterator[ItemResult]:
    """Yield ``results`` (a lazy run over ``out``), writing the report, and flush ``out`` once at the end.

    What every batch command shares: ``out`` is locked against another batch for the run and
    cleared of the temporary files of a killed run, the report is published only when every item is done, and files written without a per-file
    fsync are made durable together, also when the run is interrupted.
    """
    lock = _lock_directory(out)
    writer = None
    try:
        remove_stray_temp_files(out)
        writer = _ReportWriter(Path(report)) if report is not None else None
        for result in results:
            if writer:
                writer.add(result)
            yield result
        if writer:
            writer.publish()
    finally:
        try:
            if writer:
                writer.discard()
            if DEFER_SYNC:
                _flush_file_system(out)
        finally:
            if lock >= 0:
                os.close(lock)


def _lock_directory(directory: Path) -> int:
    """An exclusive lock on ``directory`` for this batch: an open descriptor (closing it unlocks), -1 where there is no flock."""
    if fcntl is None:
        return -1
    fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
            raise BatchError(f"{directory}: another batch is writing into this directory; wait for it or use another --out") from None
        raise
    return fd


def item_data(source: str, data: Any) -> Any:
    """An item as :func:`read_items` yields it, parsed; raises the :class:`InvalidInputError` of
    an item that could not be read or parsed."""
    if isinstance(data, InvalidInputError):
        raise data
    return parse_json(data, source) if isinstance(data, (bytes, str)) else data


class _Claims:
    """Passport ids claimed in input order (in this process, not the workers).

    An item that fails (invalid data, say) gives its claim up, so that a corrected item for
    the same battery further down is issued rather than refused as a duplicate. Whether the
    earlier item failed is known from its result, or, while it is still with a worker, from
    validating its data here; only a collision pays for that.
    """

    def __init__(self) -> None:
        self._claimed_by: dict[str, str] = {}
        self._in_flight: dict[str, tuple[str, Any]] = {}  # source -> (passport id, data), results pending

    def settle(self, result: ItemResult) -> None:
        """Record an item's result (in input order)."""
        claimed = self._in_flight.pop(result.source, None)
        if claimed and result.status == "failed" and self._claimed_by.get(claimed[0]) == result.source:
            del self._claimed_by[claimed[0]]

    def _holds(self, passport_id: str) -> str | None:
        """The source holding ``passport_id``; None when free (or its holder will fail validation)."""
        earlier = self._claimed_by.get(passport_id)
        if earlier is not None and earlier in self._in_flight:
            try:
                parse_build_data(self._in_flight[earlier][1], earlier)
            except InvalidInputError:
                return None
        return earlier

    def entries(self, items: Iterable[tuple[str, Any] | dict[str, Any]]) -> Iterator[_Entry]:
        """Parse each item and claim its passport id."""
        for number, item in enumerate(items, start=1):
            source, data = item if isinstance(item, tuple) else (f"item {number}", item)
            try:
                data = item_data(source, data)
            except InvalidInputError as exc:
                yield ItemResult(source, "failed", problems=tuple(exc.problems))
                continue
            passport_id = _claimed_passport_id(data)
            if passport_id and (earlier := self._holds(passport_id)):
                error = f"same passport id as {earlier}: same manufacturer identifier, GTIN and serial number"
                yield ItemResult(source, "failed", passport_id, error=error)
                continue
            if passport_id:
                self._claimed_by[passport_id] = source
                self._in_flight[source] = (passport_id, data)
            yield source, data, passport_id


def _claimed_passport_id(data: Any) -> str | None:
    """The passport id an item asks for, valid or not; None when it names no battery at all.

    From the fields :func:`~batterypass.assemble.build_passport` takes it from, read here
    without validating the rest (that is the workers' job): build data strings are strict
    and never normalised, so the raw values are the id's inputs as they are.
    """
    try:
        maker, battery = data["manufacturer"]["identifier"], data["battery"]
        serial, gtin = battery["serialNumber"], battery.get("gtin")
    except (TypeError, KeyError, AttributeError):
        return None
    if isinstance(maker, str) and isinstance(serial, str) and isinstance(gtin, str | None):
        return identifiers.passport_id(maker, serial, gtin)
    return None


def run_in_workers(work: Callable[[Any], ItemResult], entries: Iterator[Any], jobs: int) -> Iterator[ItemResult]:
    """``work`` on every entry in ``jobs`` forked worker processes (they inherit ``work`` and
    what it holds, a signer included); results in input order, a few chunks in flight at most."""
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for entry in entries:
            yield work(entry)
        return
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(work, os.getpid()))
    pending: deque[Any] = deque()
    try:
        while chunk := list(islice(entries, CHUNK_SIZE)):
            pending.append(pool.submit(_worker_chunk, chunk))
            # Two chunks per worker keep each busy while this process collects results.
            if len(pending) > 2 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    except BrokenProcessPool:
        raise BatchError("a worker process died (killed, or out of memory); run the batch again to resume") from None
    finally:
        pool.shutdown(cancel_futures=True)


_worker_work: Callable[[Any], ItemResult] | None = None


def _start_worker(work: Callable[[Any], ItemResult], parent: int) -> None:
    global _worker_work
    _worker_work = work
    # Ctrl-C is the parent's to handle: it stops handing out chunks and waits for the ones in
    # hand, so no worker dies mid-item with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        # A worker waits for work on a pipe it holds both ends of, so it would outlive a
        # parent killed with -9, forever. The kernel kills it instead (PR_SET_PDEATHSIG);
        # whatever it was writing is a temporary file the next run removes.
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)


def _worker_chunk(chunk: list[Any]) -> list[ItemResult]:
    assert _worker_work is not None
    return [_worker_work(entry) for entry in chunk]


def _issue_entry(settings: _Settings, entry: _Entry) -> ItemResult:
    if isinstance(entry, ItemResult):
        return entry
    source, data, passport_id = entry
    try:
        passport = build_passport(
            parse_build_data(data, source),
            voluntary=settings.voluntary,
            resolver=settings.qr_options.resolver,
            source=source,
            acts=settings.acts,
        )
        reissued = None
        if passport_id:
            earlier, reissued = _earlier_issue(settings, passport, source)
            if earlier:
                return earlier
        issued = write_passport(
            passport,
            settings.out_dir,
            signer=settings.signer,
            qr_options=settings.qr_options,
            issued_at=settings.issued_at,
            views=settings.views,
            source=source,
            durable=not DEFER_SYNC,
            replace_other_issuer=settings.replace_other_issuer,
            valid_until=settings.valid_until,
            status_list=settings.status_list,
        )
    except InvalidInputError as exc:
        return ItemResult(source, "failed", problems=tuple(exc.problems))
    except PassportNotRequiredError as exc:
        return ItemResult(source, "not-required", error=str(exc))
    except BatteryPassError as exc:  # another issuer's passport, a QR or signing failure
        return ItemResult(source, "failed", error=str(exc))
    except Exception as exc:  # noqa: BLE001 - see item_failure
        return item_failure(source, passport_id, exc)
    return ItemResult(source, "ok", issued.passport_id, issued.files, reissued=reissued)


def item_failure(source: str, passport_id: str | None, exc: Exception) -> ItemResult:
    """The failed result of an item whose work raised what no caller expected: an OSError (this
    item's files cannot be written; the others may still be) or a bug, which must not cost the
    other items of a batch, nor go unreported."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return ItemResult(source, "failed", passport_id, error=f"cannot write {where}{exc.strerror or exc}")
    return ItemResult(source, "failed", passport_id, error=f"internal error on item {source} ({type(exc).__name__}: {exc}); please report it")


def _earlier_issue(settings: _Settings, passport: Passport, source: str) -> tuple[ItemResult | None, str | None]:
    """The skipped result when ``out_dir`` holds this passport complete, identical and verifying;
    else why the passport file there (if any) must be issued again."""
    # A first run finds nothing: its one look is for the passport file, before naming the others.
    if not _non_empty(passport_path(passport.id, settings.out_dir)):
        return None, None
    files = passport_files(passport.id, settings.out_dir, settings.qr_options, settings.views)
    problem = _difference(settings, passport, files["passport"])
    if problem is None and not all(_non_empty(path) for path in files.values()):
        problem = "a QR file or audience view is missing or empty"
    if problem is None:
        problem = _views_difference(settings, passport, files)
    if problem is None:
        return ItemResult(source, "skipped", passport.id, files), None
    return None, problem


def _difference(settings: _Settings, passport: Passport, path: Path) -> str | None:
    """Why the passport file at ``path`` is not the one this batch would issue (None: it is)."""
    try:
        document = load_document(read_bytes(path), str(path))
        credential, envelope = credential_of(document)
    except BatteryPassError:
        return "the existing passport file cannot be read"
    signer = settings.signer
    issuer_id = credential_issuer_id(credential)
    if envelope != (signer.envelope if signer else None):
        return f"the existing passport is in another envelope ({envelope or 'unsigned'})"
    if credential.get("@context") != list(PASSPORT_CREDENTIAL_CONTEXT):
        return "the existing passport has another @context (an earlier version of the passport terms)"
    if issuer_id != (signer.identity.id if signer else default_issuer_id(passport)):
        return f"the existing passport has another issuer ({issuer_id!r})"
    if credential.get("credentialSubject") != passport_subject(passport):
        return "the existing passport holds other content"
    if signer and (problem := signer.signature_problem(document)):
        return f"the existing passport would not verify: {problem}"
    return None


def _views_difference(settings: _Settings, passport: Passport, files: dict[str, Path]) -> str | None:
    """Why an audience view in ``out_dir`` is not the one this batch would issue beside the
    passport (None: each is): a view is published, so one that no longer verifies is issued again."""
    for audience in settings.views:
        path = files[view_file_key(audience)]
        try:
            document = load_document(read_bytes(path), str(path))
            credential, envelope = credential_of(document)
        except BatteryPassError:
            return f"the existing {audience.value} view cannot be read"
        signer = settings.signer
        if envelope != (signer.envelope if signer else None):
            return f"the existing {audience.value} view is in another envelope ({envelope or 'unsigned'})"
        if credential.get("credentialSubject") != view_for(passport, audience):
            return f"the existing {audience.value} view holds other content"
        if signer and (problem := signer.signature_problem(document)):
            return f"the existing {audience.value} view would not verify: {problem}"
    return None


def _non_empty(path: Path) -> bool:
    try:
        return os.stat(path).st_size > 0
    except FileNotFoundError:
        return False


def _flush_file_system(directory: Path) -> None:
    """Write everything written so far to disk: the one flush that replaces a fsync per file."""
    if sys.platform != "linux":
        os.sync()
        return
    # syncfs(2), which os lacks: only the file system the passports are on, not every one.
    fd = os.open(directory, os.O_RDONLY)
    try:
        ctypes.CDLL(None, use_errno=True).syncfs(fd)
    finally:
        os.close(fd)


def remove_stray_temp_files(directory: Path) -> None:
    """Remove the temporary files of writes a killed batch left unfinished."""
    for path in directory.iterdir():
        if _STRAY_TEMP.match(path.name):
            path.unlink(missing_ok=True)


class _ReportWriter:
    """The report as it is written: a temporary file, renamed into place once complete."""

    def __init__(self, path: Path):
        self.path = path
        fd, self._tmp = create_temporary(path)
        self._fh = os.fdopen(fd, "w", encoding="utf-8")

    def add(self, result: ItemResult) -> None:
        self._fh.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")

    def publish(self) -> None:
        self._fh.close()
        os.replace(self._tmp, self.path)

    def discard(self) -> None:
        """Remove the unfinished report (a no-op once published)."""
        self._fh.close()
        Path(self._tmp).unlink(missing_ok=True)

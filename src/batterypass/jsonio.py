"""Strict JSON in, canonical JSON out, files written atomically.

Input is parsed strictly because a signed document that a different parser would read
differently (duplicate keys, NaN) is an attack surface, not a convenience.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import re
import stat
from pathlib import Path
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from .errors import InvalidInputError, Problem

#: Largest JSON document batterypass reads. A passport is ~10-30 KB; anything far larger
#: is refused before parsing so a hostile file cannot exhaust memory.
MAX_DOCUMENT_BYTES = 1_000_000


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _DuplicateKey(ValueError):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):  # the rare case pays for naming the key, not every object
        seen: set[str] = set()
        raise _DuplicateKey(next(key for key, _ in pairs if key in seen or seen.add(key)))
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(data: bytes | str, source: str = "input") -> Any:
    """Parse one JSON document strictly: UTF-8, no duplicate keys, no NaN/Infinity, size-limited.

    Raises :class:`InvalidInputError` naming ``source`` on any violation.
    """
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidInputError(
            [Problem("$", f"document is {len(data)} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit")],
            source,
        )
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError([Problem("$", f"not UTF-8 text ({exc.reason} at byte {exc.start})")], source) from None
    try:
        document = json.loads(data, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
        # Raw UTF-8 cannot hold a lone surrogate, but a \ud800 escape can; such a string can
        # be neither canonicalised nor printed, so it is refused here, once. The search is
        # cheap; the full check runs only when an escape is there at all.
        if _SURROGATE_ESCAPE.search(data):
            json.dumps(document, ensure_ascii=False).encode("utf-8")
        return document
    except UnicodeEncodeError:
        raise InvalidInputError([Problem("$", "a string holds an unpaired UTF-16 surrogate escape (\\ud800-\\udfff)")], source) from None
    except _DuplicateKey as exc:
        raise InvalidInputError([Problem("$", f"duplicate key {exc.args[0]!r}")], source) from None
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            [Problem("$", f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")], source
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InvalidInputError([Problem("$", f"malformed JSON: {exc}")], source) from None


#: What a read asks for once a file has shown more than its size said (or none at all).
_READ_CHUNK = 1 << 16
# Binary on Windows (no newline or Ctrl-Z translation); the flags Windows lacks are 0 there.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def read_bytes(path: str | os.PathLike[str], limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """Read a file, refusing anything over ``limit`` bytes without reading it whole."""
    chunks, size = [], 0
    try:
        fd = os.open(path, _READ_FLAGS)
        try:
            # Ask for what the file holds (and a byte more, to see that it ends there), not for
            # the limit: a read allocates what it asks for, a megabyte a file, which costs more
            # than reading a passport. A file that says it holds nothing (a pipe) or grows is
            # read on in chunks, up to the limit.
            held = os.fstat(fd).st_size
            ask = min(held, limit) + 1 if held else _READ_CHUNK
            while size <= limit and (chunk := os.read(fd, min(ask, limit + 1 - size))):
                chunks.append(chunk)
                size += len(chunk)
                ask = _READ_CHUNK
        finally:
            os.close(fd)
    except OSError as exc:
        raise InvalidInputError([Problem("$", f"cannot read file: {exc.strerror}")], str(path)) from None
    except ValueError:  # a name no file can have: os.open refuses a NUL character
        raise InvalidInputError([Problem("$", "cannot read file: its name holds a NUL character")], str(path)) from None
    if size > limit:
        raise InvalidInputError([Problem("$", f"file is over the {limit}-byte limit")], str(path))
    return b"".join(chunks)


def read_stream(fh: BinaryIO, source: str, head: bytes = b"") -> bytes:
    """``head`` and the rest of ``fh`` (standard input, say) as one document, within :data:`MAX_DOCUMENT_BYTES`."""
    data = head + fh.read(max(MAX_DOCUMENT_BYTES + 1 - len(head), 0))
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidInputError([Problem("$", f"input is over the {MAX_DOCUMENT_BYTES}-byte limit")], source)
    return data


def jsonl_items(fh: BinaryIO, name: str) -> Iterator[tuple[str, bytes | InvalidInputError]]:
    """The non-blank lines of a JSONL stream as ``(name:line, bytes)``, line numbers counting
    blank lines too; a line over :data:`MAX_DOCUMENT_BYTES` is yielded as its error, unread."""
    number = 0
    # readline with a limit, so that one endless line cannot take all memory.
    while line := fh.readline(MAX_DOCUMENT_BYTES + 1):
        number += 1
        source = f"{name}:{number}"
        if len(line) > MAX_DOCUMENT_BYTES and not line.endswith(b"\n"):
            while (rest := fh.readline(MAX_DOCUMENT_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield source, InvalidInputError([Problem("$", f"line is over the {MAX_DOCUMENT_BYTES}-byte limit")], source)
        elif line.strip():
            yield source, line


def load_json_file(path: str | os.PathLike[str]) -> Any:
    """Read and strictly parse a JSON file; errors name the file."""
    return parse_json(read_bytes(path), source=str(path))


def digest_sri(data: bytes) -> str:
    """``sha256-<base64>`` of a file's bytes (W3C Subresource Integrity, as VC 2.0 ``digestSRI``
    states the digest of a related resource): what pins a linked document exactly as it was
    written and is published."""
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def dumps_pretty(obj: Any) -> bytes:
    """The on-disk form of documents batterypass writes: indented, key order kept, UTF-8.

    orjson writes what ``json.dumps(obj, indent=2, ensure_ascii=False)`` writes plus a newline
    (byte for byte, except that it spells exponents ``1e-7`` where the standard library writes
    ``1e-07``), some thirty times faster: the standard library indents in pure Python, a tenth
    of a batch's time. NaN and Infinity never get here (the models and :func:`parse_json`
    refuse them, and signing refuses them before writing); nor do integers beyond 64 bits.
    """
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def pretty_fragment(obj: Any, depth: int) -> orjson.Fragment:
    """``obj`` written now, as :func:`dumps_pretty` writes it ``depth`` levels down a document
    (an item of a top-level member's array is two levels down), to be put there later.

    A command that reports on thousands of documents keeps each report as these bytes rather
    than as the objects: a passport's verdict takes a third of the memory, in one object where
    the dict held some fifty for the garbage collector to walk. Re-indenting is safe because
    JSON text holds a line break only between tokens: one inside a string is written ``\\n``.
    """
    return orjson.Fragment(orjson.dumps(obj, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n" + b"  " * depth))


#: Flags of a temporary file: created here and now (never an existing file or a link's target).
_TEMPORARY_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def create_temporary(path: Path, mode: int = 0o644) -> tuple[int, str]:
    """A new file beside ``path`` to be renamed onto it: ``(descriptor, name)``.

    Named ``.NAME.XXXXXXXX.tmp`` (eight random characters from a-z, 2-7, as a killed batch's
    leftovers are recognised), created exclusively with ``mode`` restricted by the umask (the
    kernel applies it, as for any file a program creates). Missing parent directories are made.
    One ``open`` in the common case: ``tempfile.mkstemp`` and ``mkdir`` would add a ``chmod``,
    two ``stat``s and an exception per file, a third of writing a passport's files.
    """
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{base64.b32encode(os.urandom(5)).decode('ascii').lower()}.tmp")
        try:
            return os.open(tmp, _TEMPORARY_FLAGS, mode), tmp
        except FileExistsError:
            continue  # another writer drew the same name: draw again
        except FileNotFoundError:
            if path.parent.is_dir():
                raise
            path.parent.mkdir(parents=True, exist_ok=True)
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path))


def write_atomic(
    path: str | os.PathLike[str], data: bytes, mode: int = 0o644, *, overwrite: bool = True, durable: bool = True
) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never part.

    ``mode`` is restricted by the process umask, as for any file a program creates. Only a
    regular file (or a symbolic link, which is replaced, not followed) is ever replaced: a
    directory, FIFO, socket or device node at ``path`` raises :class:`FileExistsError`.

    The temporary file (:func:`create_temporary`) lives in the target directory (same
    filesystem, so the rename is atomic) and is fsynced before it. With ``overwrite=False`` an
    existing ``path`` raises :class:`FileExistsError`, decided atomically by the filesystem
    (``link`` fails when the name exists), so two writers racing for one name cannot both win.

    ``durable=False`` leaves out the fsync, the most expensive step: the rename stays atomic
    for every reader, but after a power loss the file may be empty. Whoever writes many files
    that way makes them durable together afterwards (``os.sync()``), as ``batch`` does.
    """
    path = Path(path)
    try:
        existing = os.lstat(path).st_mode
    except FileNotFoundError:
        existing = None
    if existing is not None and not (stat.S_ISREG(existing) or stat.S_ISLNK(existing)):
        raise FileExistsError(errno.EEXIST, "exists and is not a regular file: refusing to replace it", str(path))
    fd, tmp = create_temporary(path, mode)
    try:
        try:
            written = memoryview(data)
            while written:
                written = written[os.write(fd, written):]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
            os.unlink(tmp)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path

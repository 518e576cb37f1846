"""The format commands: ``context`` (the passport's JSON-LD context) and ``convert``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..formats import aas, battery_pass_12
from ..formats.convert import FORMATS, IMPORTABLE, NATIVE
from ..formats.jsonld import CONTEXT_FILES, context_text
from ..jsonio import dumps_pretty, write_atomic
from ..securing.credential import PASSPORT_CONTEXT_V1
from .main import _echo, _echo_err, _emit_json, _handles_errors, _printable, convert_input, json_option, main


@main.command()
@click.option("--url", type=click.Choice(list(CONTEXT_FILES)), default=PASSPORT_CONTEXT_V1, show_default=True,
              help="Which version of the context.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="Write it to this file.")
def context(url: str, out_path: Path | None) -> None:
    """Print the JSON-LD context that defines every passport term, to host it at its URL or load
    it into a JSON-LD tool (batterypass itself never fetches it)."""
    text = context_text(url)
    if out_path is None:
        click.echo(text, nl=False)
    else:
        write_atomic(out_path, text.encode("utf-8"))
        _echo(f"{url} -> {out_path}")


@main.command("convert")
@click.argument("input_path", metavar="IN", type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("--from", "source", type=click.Choice((NATIVE, *IMPORTABLE)), required=True, help="The format of IN.")
@click.option("--to", "target", type=click.Choice(FORMATS), required=True, help="The format to write.")
@click.option("--out", "out_path", type=click.Path(path_type=Path),
              help="Write here (default: stdout). For --to aas, a name ending in .aasx writes an AASX package; "
                   "for --to battery-pass-1.2, a directory gets one file per submodel.")
@click.option("--draft", is_flag=True, help="Import even when the result lacks what build requires (listed as problems).")
@json_option
@_handles_errors
def convert_command(input_path: Path, source: str, target: str, out_path: Path | None, draft: bool, as_json: bool) -> None:
    """Convert IN between batterypass (native: a passport out, build data in) and another format.

    Whatever the target cannot carry is listed (on stderr, or in the --json report), never
    dropped silently. Exit code: 0 written, 1 invalid input, 2 usage.
    """
    if (source == NATIVE) == (target == NATIVE):
        raise click.UsageError("one of --from and --to must be native: convert to native first, then from it")
    conversion = convert_input(input_path, source, target, draft)
    if out_path is not None:
        _write(conversion.document, target, out_path)
    report: dict[str, Any] = {"file": str(input_path), "out": str(out_path) if out_path else None, **conversion.to_dict()}
    if as_json:
        _emit_json(report if out_path else {**report, "document": conversion.document})
        return
    if out_path is None:
        _emit_json(conversion.document)
    for note in conversion.repairs:
        _echo_err(f"repaired: {input_path}: {note}")
    for note in conversion.losses:
        _echo_err(f"not carried: {note}")
    for problem in conversion.problems:
        _echo_err(f"draft: {problem}")
    if out_path is not None:
        _echo(f"{input_path} ({source}) -> {out_path} ({target}): {len(conversion.losses)} value(s) not carried")


def _write(document: Any, target: str, out_path: Path) -> None:
    if target == battery_pass_12.NAME and (out_path.is_dir() or out_path.suffix == ""):
        for submodel, content in document.items():  # the upstream layout: one file per submodel
            write_atomic(out_path / f"{submodel}.json", dumps_pretty(content))
        # A submodel this battery has none of must not be left from an earlier export: reading
        # the directory back would merge another battery's data into this one.
        for submodel in set(battery_pass_12.SUBMODELS) - set(document):
            (out_path / f"{submodel}.json").unlink(missing_ok=True)
    elif out_path.is_dir():
        raise click.UsageError(_printable(f"--out {out_path} is a directory: name a file"))
    elif target == aas.NAME and out_path.suffix.lower() == ".aasx":
        write_atomic(out_path, aas.aasx_package(document))
    else:
        write_atomic(out_path, dumps_pretty(document))

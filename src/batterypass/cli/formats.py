"""The format commands: ``context`` (the passport's JSON-LD context) and ``convert``."""

from __future__ import annotations

from pathlib import Path

import click

from ..formats.jsonld import CONTEXT_FILES, context_text
from ..jsonio import write_atomic
from ..securing.credential import PASSPORT_CONTEXT_V1
from .main import main


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
        click.echo(f"{url} -> {out_path}")

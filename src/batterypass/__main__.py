"""``python -m batterypass``: the same command line as ``batterypass``."""

from .cli import main

main(prog_name="batterypass")

"""The `kgen` command line: run scripts, lessons, templates and the grader.

Each family of commands lives in its own module and registers itself on `app`
(`kgen/cli_lessons.py`, `kgen/cli_grader.py`); this module holds the shared app and
the commands of the engine itself (`--version`, `run`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from kgen import __version__

app = typer.Typer(
    name="kgen",
    help="Learn the Keras layer API by running it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool):
    if value:
        typer.echo(f"kgen {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
):
    """kgen: Keras layers, lessons and a grader on a numba engine."""


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    script: Path = typer.Argument(..., exists=True, dir_okay=False, help="A Python script using Keras."),
):
    """Run SCRIPT with `import keras` (Keras 2 or 3 spelling) answered by kgen."""
    from kgen.keras.compat import run_script

    code = run_script(script, list(ctx.args))
    raise typer.Exit(code)


# Command families register themselves on `app` when imported.
from kgen import cli_lessons, cli_grader  # noqa: E402,F401

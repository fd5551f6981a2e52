"""`python -m kgen ...` is the same as the `kgen` command."""

from kgen.cli import app

app(prog_name="kgen")

"""CLI commands for the grader (`kgen check`, `grade`, `exercises`, `grader export`)."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer

from kgen.cli import app

grader_app = typer.Typer(help="Instructor tools: export autograders, lint exercises.",
                         no_args_is_help=True)
app.add_typer(grader_app, name="grader")

EXERCISES_OPT = typer.Option(
    None, "--exercises", help="A folder of your own exercises (repeatable); searched first.")
_MARKER = re.compile(r"#\s*kgen-exercise:\s*([A-Za-z0-9_.-]+)")


def _console(stderr=False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def _fail(message: str, code: int = 2):
    _console(stderr=True).print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(code)


def _extra(dirs):
    return [Path(d) for d in (dirs or [])]


def _guess_exercise(path: Path, extra) -> str:
    """The exercise a file is for: a `# kgen-exercise: ID` line, else its file name."""
    from kgen.grader import list_exercises

    files = [path] if path.is_file() else sorted(path.glob("*.py"))
    for f in files:
        try:
            m = _MARKER.search(f.read_text(encoding="utf-8", errors="replace")[:4000])
        except OSError:
            continue
        if m:
            return m.group(1)
    names = {f.name for f in files}
    for ex in list_exercises(extra):
        if ex.filename in names:
            return ex.id
    ids = ", ".join(e.id for e in list_exercises(extra))
    _fail(f"cannot tell which exercise {path} is for. Pass --exercise ID (one of: {ids}).")


def _load(exercise_id, extra):
    from kgen.grader import ExerciseError, load_exercise

    try:
        return load_exercise(exercise_id, extra)
    except ExerciseError as e:
        _fail(str(e))


@app.command()
def check(
    file: Path = typer.Argument(..., exists=True, help="Your solution: a .py file or a folder."),
    exercise: Optional[str] = typer.Option(None, "--exercise", "-e", help="Exercise ID."),
    exercises: Optional[List[Path]] = EXERCISES_OPT,
    fmt: str = typer.Option("text", "--format", "-f", help="text | json | gradescope | junit"),
    only: Optional[str] = typer.Option(None, "--check", help="Grade one check; exit 0 if it passes."),
    watch: bool = typer.Option(False, "--watch", "-w", help="Re-grade each time the file is saved."),
    solution: bool = typer.Option(False, "--solution", help="Show the reference after a full pass."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report here."),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds per submission."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also show what your code printed."),
):
    """Grade FILE against an exercise: each check, its points, the difference, a hint.

    Exit code 0 when every required check passes (with --check: when that check passes).
    """
    from kgen.grader import Grader, GraderError
    from kgen.grader.reporters import FORMATS, format_report, render_text
    from kgen.grader.watch import watch as watch_loop

    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}. Received: {fmt!r}")
    extra = _extra(exercises)
    ex = _load(exercise or _guess_exercise(file, extra), extra)
    if only and only not in {c.name for c in ex.checks}:
        _fail(f"exercise '{ex.id}' has no check '{only}'. Its checks: "
              f"{', '.join(c.name for c in ex.checks)}.")
    grader = Grader(ex, timeout=timeout)
    console = _console()

    def show(report):
        if fmt == "text" and output is None:
            render_text(report, console, verbose=verbose)
        else:
            text = render_text_to_string(report, verbose) if fmt == "text" else format_report(report, fmt)
            if output is not None:
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text if text.endswith("\n") else text + "\n")
        if solution and report.full_marks:
            _show_solution(ex, console)

    def grade(path):
        try:
            return grader.grade(path, check=only)
        except GraderError as e:
            _fail(str(e))

    if watch:
        try:
            watch_loop(file, grade, show, waiting=lambda: console.print(
                f"[dim]watching {file} — save to re-grade, Ctrl-C to stop[/]", markup=True))
        except KeyboardInterrupt:
            raise typer.Exit(0)
    report = grade(file)
    show(report)
    if solution and not report.full_marks and fmt == "text":
        console.print("[dim]The reference solution is shown after a full pass.[/]", markup=True)
    if only:
        c = report.checks[0]
        raise typer.Exit(0 if c.passed or not c.counted else 1)
    raise typer.Exit(0 if report.ok else 1)


def render_text_to_string(report, verbose=False) -> str:
    import io

    from rich.console import Console

    from kgen.grader.reporters import render_text

    console = Console(record=True, width=80, no_color=True, file=io.StringIO())
    render_text(report, console, verbose=verbose)
    return console.export_text()


def _show_solution(ex, console):
    from rich.syntax import Syntax

    console.print(f"[bold]Reference solution for {ex.id}:[/]", markup=True)
    console.print(Syntax(ex.reference_path.read_text(encoding="utf-8"), "python",
                         theme="ansi_dark", line_numbers=False, word_wrap=True))


@app.command(name="exercises")
def exercises_cmd(
    exercises: Optional[List[Path]] = EXERCISES_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
):
    """List the exercises `kgen check` can grade: id, lesson, title."""
    import json

    from rich.table import Table

    from kgen.grader import ExerciseError, list_exercises

    try:
        found = list_exercises(_extra(exercises))
    except ExerciseError as e:
        _fail(str(e))
    if as_json:
        typer.echo(json.dumps([{"id": e.id, "lesson": e.lesson, "title": e.title, "kind": e.kind,
                                "file": e.filename, "max_score": float(e.max_score)}
                               for e in found], indent=2))
        return
    table = Table(box=None, pad_edge=False)
    for col in ("id", "lesson", "title", "file"):
        table.add_column(col, overflow="fold")
    for e in found:
        table.add_row(e.id, "" if e.lesson is None else str(e.lesson), e.title, e.filename)
    _console().print(table)


@app.command()
def grade(
    directory: Path = typer.Argument(..., exists=True, file_okay=False,
                                     help="One submission per .py file or sub-folder."),
    exercise: str = typer.Option(..., "--exercise", "-e", help="Exercise ID."),
    exercises: Optional[List[Path]] = EXERCISES_OPT,
    jobs: int = typer.Option(2, "--jobs", "-j", min=1, help="Submissions graded at once."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Gradebook: results.csv or .json"),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Seconds per submission."),
):
    """Grade every submission in DIRECTORY in parallel sandboxes; write a gradebook."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from kgen.grader import Grader, GraderError, grade_many, submissions_in
    from kgen.grader.report import number
    from kgen.grader.reporters import gradebook_csv, gradebook_json

    if out is not None and out.suffix not in (".csv", ".json"):
        _fail(f"--out must end in .csv or .json. Received: {out}")
    ex = _load(exercise, _extra(exercises))
    try:
        paths = submissions_in(directory)
    except GraderError as e:
        _fail(str(e))
    if not paths:
        _fail(f"{directory} holds no submissions (.py files or folders).")
    grader = Grader(ex, timeout=timeout)
    console = _console(stderr=True)
    start = time.monotonic()
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TextColumn("{task.fields[last]}"),
                  console=console, transient=False) as progress:
        task = progress.add_task("grade", total=len(paths), last="")

        def done(report):
            progress.update(task, advance=1, last=f"{Path(report.submission).name} "
                                                  f"{number(report.score)}/{number(report.max_score)}")

        try:
            reports = grade_many(grader, paths, jobs=jobs, on_done=done)
        except GraderError as e:
            _fail(str(e))
    elapsed = time.monotonic() - start
    table = Table(box=None, pad_edge=False)
    for col in ("submission", "score", "verdict"):
        table.add_column(col, overflow="fold")
    for r in reports:
        table.add_row(Path(r.submission).name, f"{number(r.score)}/{number(r.max_score)}",
                      r.verdict)
    _console().print(table)
    rate = len(reports) / elapsed if elapsed > 0 else float("inf")
    console.print(f"{len(reports)} submissions in {elapsed:.1f} s ({rate:.2f}/s, {jobs} jobs); "
                  f"{sum(r.full_marks for r in reports)} with full marks.")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(gradebook_csv(reports) if out.suffix == ".csv" else gradebook_json(reports),
                       encoding="utf-8")
        console.print(f"gradebook written to {out}")


@grader_app.command()
def export(
    gradescope: str = typer.Option(..., "--gradescope", help="Exercise ID to package."),
    output: Path = typer.Option(Path("autograder.zip"), "--output", "-o", help="Zip to write."),
    exercises: Optional[List[Path]] = EXERCISES_OPT,
):
    """Write a Gradescope autograder zip (setup.sh, run_autograder, kgen, the exercise)."""
    from kgen.grader.export import export_gradescope

    ex = _load(gradescope, _extra(exercises))
    path = export_gradescope(ex, output)
    _console().print(f"wrote {path} — upload it as the programming assignment's autograder")


@grader_app.command()
def lint(
    exercise: Optional[str] = typer.Argument(None, help="One exercise ID (default: all)."),
    exercises: Optional[List[Path]] = EXERCISES_OPT,
):
    """Check exercises: each reference gets full marks, each starter does not, hints exist."""
    from kgen.grader import list_exercises
    from kgen.grader.lint import lint_exercise

    extra = _extra(exercises)
    chosen = [e for e in list_exercises(extra) if exercise in (None, e.id)]
    if not chosen:
        _fail(f"no exercise {exercise!r}.")
    bad = 0
    for ex in chosen:
        problems = lint_exercise(ex)
        bad += bool(problems)
        status = "[green]ok[/]" if not problems else "[bold red]FAIL[/]"
        _console().print(f"{status} {ex.id}" + "".join(f"\n  - {p}" for p in problems),
                         markup=True)
    raise typer.Exit(1 if bad else 0)

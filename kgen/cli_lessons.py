"""CLI commands for lessons, templates and scaffolds (`kgen lessons`, `lesson`, `generate`, `new`).

Only typer and the standard library are imported here: `kgen lesson 3` must put its first
section on screen fast, so rich, jinja2 and the engine (numba) are imported inside the
commands, when they are needed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from kgen.cli import app

new_app = typer.Typer(help="Scaffold new code: `kgen new layer NAME`.", no_args_is_help=True)
app.add_typer(new_app, name="new")


def _fail(message: str, code: int = 2):
    typer.echo(f"kgen: {message}", err=True)
    raise typer.Exit(code)


# --------------------------------------------------------------------------- lessons


def _lesson_status():
    """(info, sections in the lesson, LessonProgress) for every lesson, in order."""
    from kgen import lessons, progress

    state = progress.load()
    rows = []
    for info in lessons.load_index():
        md = info.path / "lesson.md"
        n_sections = len(lessons.parse_markdown(md.read_text(encoding="utf-8"), md))
        if (info.path / "exercise.toml").exists():
            n_sections += 1
        rows.append((info, n_sections, state.lessons.get(info.number)))
    return state, rows


def _next_place():
    """(lesson, first section to show) where the learner stopped, or None when all is done."""
    state, rows = _lesson_status()
    numbers = [info.number for info, _, _ in rows]

    def unread(n_sections, lp):
        read = lp.sections_read if lp else set()
        return [s for s in range(1, n_sections + 1) if s not in read]

    if state.last_lesson in numbers:
        i = numbers.index(state.last_lesson)
        info, n_sections, lp = rows[i]
        todo = unread(n_sections, lp)
        if todo:
            return info.number, todo[0]
        order = rows[i + 1:] + rows[:i + 1]
    else:
        order = rows
    for info, n_sections, lp in order:
        todo = unread(n_sections, lp)
        if todo:
            return info.number, todo[0]
        if info.exercise and not (lp and lp.exercise_passed):
            return info.number, n_sections
    return None


@app.command("lessons")
def lessons_cmd(
    next_: bool = typer.Option(False, "--next", help="Continue where you stopped."),
    reset: bool = typer.Option(False, "--reset", help="Forget all progress."),
):
    """List the lessons with your progress."""
    from kgen import progress

    if reset:
        progress.reset()
        typer.echo(f"Progress reset ({progress.progress_file()}).")
        return
    if next_:
        place = _next_place()
        if place is None:
            typer.echo("Every lesson is read and every exercise passed. Well done!")
            return
        _render(place[0], section=None, start=place[1])
        return

    from rich.table import Table
    from rich.text import Text

    from kgen.lessons import Renderer, make_console

    _, rows = _lesson_status()
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("#", justify="right")
    table.add_column("lesson")
    table.add_column("read", justify="right")
    table.add_column("exercise")
    for info, n_sections, lp in rows:
        read = len(lp.sections_read & set(range(1, n_sections + 1))) if lp else 0
        if not info.exercise:
            ex = "-"
        elif lp and lp.exercise_passed:
            ex = f"{info.exercise} ✓"
        else:
            ex = info.exercise
        mark = "✓" if read == n_sections else ("…" if read else "")
        table.add_row(str(info.number), Text(info.title), f"{read}/{n_sections} {mark}".rstrip(), ex)
    out = Renderer(make_console())
    out.emit(table)
    out.blank()
    out.emit(Text("`kgen lesson N` opens a lesson; `kgen lessons --next` continues."))


def _render(number: int, section: Optional[int], start: Optional[int] = None):
    from kgen import lessons, progress

    console = lessons.make_console()
    try:
        info = lessons.lesson_info(number)
        results = lessons.render_lesson(
            number, console, section=section, start=start,
            on_section=lambda s: progress.mark_section_read(number, s, info.exercise),
        )
    except lessons.LessonError as e:
        _fail(str(e))
    failed = [r for r in results if r.failed]
    if failed:
        typer.echo(f"kgen: {len(failed)} code block(s) of lesson {number} failed (shown above).",
                   err=True)
        raise typer.Exit(1)


@app.command("lesson")
def lesson_cmd(
    number: int = typer.Argument(..., help="The lesson number (see `kgen lessons`)."),
    section: Optional[int] = typer.Option(None, "--section", "-s", help="Show only this section."),
    write: Optional[Path] = typer.Option(None, "--write", help="Write the lesson's scripts into DIR.",
                                         metavar="DIR", file_okay=False),
    exercise: bool = typer.Option(False, "--exercise", help="Write the exercise's starter file."),
    hint: bool = typer.Option(False, "--hint", help="Reveal the exercise's next hint."),
):
    """Read lesson NUMBER: its text, its code, and the output of that code run on kgen."""
    from kgen import lessons

    try:
        lessons.lesson_info(number)
    except lessons.LessonError as e:
        _fail(str(e))
    if hint:
        _hint(number)
    if exercise:
        _exercise(number, write or Path.cwd())
    if write is not None and not exercise:
        for path in lessons.write_scripts(number, write):
            typer.echo(f"wrote {path}")
    if hint or exercise or write is not None:
        return
    _render(number, section)


def _hint(number: int):
    from rich.text import Text

    from kgen import lessons, progress

    lesson = lessons.load_lesson(number)
    hints = lessons.exercise_hints(lesson.exercise) if lesson.exercise else []
    if not hints:
        _fail(f"lesson {number} has no exercise hints.")
    shown = progress.reveal_hint(number, len(hints), lesson.exercise.id)
    out = lessons.Renderer(lessons.make_console())
    out.emit(Text(f"Exercise: {lesson.exercise.title}", style="bold"))
    for i, h in enumerate(hints[:shown], 1):
        out.blank()
        out.emit(Text(f"Hint {i} of {len(hints)}:", style="bold" if i == shown else "dim"))
        out.emit(Text(h, style="" if i == shown else "dim"))
    if shown == len(hints):
        out.blank()
        out.emit(Text("That was the last hint.", style="dim"))


def _exercise(number: int, directory: Path):
    from kgen import lessons

    lesson = lessons.load_lesson(number)
    ex = lesson.exercise
    if ex is None:
        _fail(f"lesson {number} has no exercise.")
    spec = lessons.grader_exercise(ex.id)
    if spec is None:
        _fail(f"the checker does not ship exercise {ex.id!r} yet (issue 7).")
    if not spec.starter_path.is_file():
        _fail(f"exercise {ex.id!r} has no starter file yet (issue 7).")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / spec.filename
    if target.exists():
        _fail(f"{target} exists already; edit it, or delete it to start over.", code=1)
    target.write_text(spec.starter_path.read_text(encoding="utf-8"), encoding="utf-8")
    typer.echo(f"wrote {target}\nFill it in, then grade it with `kgen check {target}` "
               f"(hints: `kgen lesson {number} --hint`).")


# --------------------------------------------------------------------------- generate


@app.command("generate")
def generate_cmd(
    template: Optional[str] = typer.Argument(None, help="Template name (see --list)."),
    set_: List[str] = typer.Option([], "--set", help="A parameter, as key=value (repeatable).",
                                   metavar="KEY=VALUE"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write to FILE (default: stdout).",
                                          metavar="FILE", dir_okay=False),
    list_: bool = typer.Option(False, "--list", help="Show the templates and their parameters."),
):
    """Write a runnable model script from a template."""
    from kgen import templates

    if list_ or template is None:
        _list_templates()
        return
    try:
        spec = templates.get_spec(template)
        if spec.kind != "script":
            raise templates.TemplateError(f"{template!r} is a scaffold: use `kgen new layer NAME`.")
        given = templates.parse_sets(set_)
        text = templates.render_template(template, given)
        reqs = templates.template_requirements(template, given)
    except templates.TemplateError as e:
        _fail(str(e))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}; run it with `python {output}` or `kgen run {output}`.", err=True)
    if reqs:
        from kgen.lessons import describe_missing, missing_requirements

        missing = missing_requirements(reqs)
        if missing:
            typer.echo("note: " + describe_missing(missing).replace(
                "Not run yet: needs", "the script needs").replace(
                "It runs here by itself once that lands.", "It runs once that lands."), err=True)


def _list_templates():
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from kgen import templates
    from kgen.lessons import Renderer, make_console

    out = Renderer(make_console())
    for spec in templates.load_specs().values():
        if spec.kind != "script":
            continue
        out.emit(Text(spec.name, style="bold cyan"))
        out.emit(Padding(Text(spec.summary), (0, 0, 0, 2)))
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column()
        for p in spec.params.values():
            default = str(p.default).lower() if isinstance(p.default, bool) else str(p.default)
            allowed = " | ".join(map(str, p.choices)) if p.choices else p.allowed()
            table.add_row(Text("  " + p.name), Text(f"={default}"), Text(f"{allowed}: {p.help}"))
        out.emit(table)
        out.blank()
    out.emit(Text("Use: kgen generate TEMPLATE --set key=value ... -o model.py"))
    out.emit(Text("Custom layers: kgen new layer NAME --weights kernel,bias"))


# --------------------------------------------------------------------------- new layer


@new_app.command("layer")
def new_layer_cmd(
    name: str = typer.Argument(..., help="The layer's class name, CamelCase (e.g. MyLayer)."),
    weights: str = typer.Option("kernel,bias", "--weights", "-w",
                                help="Weight names, comma-separated: the first is a matrix "
                                     "(input_dim, units), the others vectors (units,); 'none' "
                                     "for a layer without weights."),
    units: int = typer.Option(8, "--units", help="Default output features."),
    directory: Path = typer.Option(Path("."), "-o", "--dir", help="Folder for the two files.",
                                   file_okay=False),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
):
    """Scaffold a custom layer (build / call / compute_output_shape / get_config) and its test."""
    from kgen import templates

    try:
        files = templates.scaffold_layer(name, weights, units)
    except templates.TemplateError as e:
        _fail(str(e))
    directory.mkdir(parents=True, exist_ok=True)
    existing = [directory / f for f in files if (directory / f).exists()]
    if existing and not force:
        _fail(f"{existing[0]} exists already (use --force to overwrite).", code=1)
    for fname, text in files.items():
        (directory / fname).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {directory / fname}")
    module, test = list(files)
    typer.echo(f"Try it: python {directory / module}\nTest it: python {directory / test}")

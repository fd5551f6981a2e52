"""Lessons: load them from `lessons/`, run their code on the kgen engine, render them.

Content is data (`lessons/index.toml` + one `lesson.md` per lesson); this module only loads,
runs and renders it. A lesson is markdown: `# Title`, then `## Section` headings, prose, and
fenced code blocks whose info string carries metadata::

    ```python id=merge uses=setup requires=layers.LSTM,training tree=model
    ...
    ```

Block attributes (all optional):
    id=NAME            names the block (file name for `--write`, target of `uses=`).
    uses=A,B           run blocks A and B first in the same namespace (their output hidden);
                       `--write` puts their code in front so every script stands alone.
    requires=R,S       capabilities the block needs: an attribute path under `kgen.keras`
                       (`layers.LSTM`, `Model.fit`, `backend.random_normal`), `module:NAME`,
                       or a name from `[requirements]` in `lessons/index.toml`. A block whose
                       requirement is missing is shown with a note naming what delivers it, and
                       runs by itself once the capability exists.
    raises=NAME        the block ends with this exception on purpose; its message is shown.
    tree=VAR           after running, draw the graph of the model in variable VAR.
    keras2             the block spells imports the Keras-2 way (`from keras.layers import`);
                       the runner answers them with kgen as `kgen run` does.
    norun              show the code, never run it (history, pseudo code).
    template=NAME      the code is generated from `templates/` (other `key=value` pairs are the
                       template's parameters); the block body must be empty.

Each block runs in-process, in a fresh namespace, after `keras.backend.clear_session()` and a
fixed seed, with stdout captured at the console's width, so layer names and numbers are the
same on every run and in every `--section`. Nothing is cached: the numbers shown are computed
by the engine each time the lesson is rendered.
"""

from __future__ import annotations

import contextlib
import io
import linecache
import os
import shlex
import sys
import tempfile
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

import kgen

ROOT = Path(kgen.__file__).resolve().parent.parent
LESSONS_DIR = ROOT / "lessons"
MAX_WIDTH = 80
SEED = 0

BLOCK_KEYS = {"id", "uses", "requires", "raises", "tree", "keras2", "norun", "template"}


class LessonError(ValueError):
    """Lesson content that cannot be loaded (the message names the file and the line)."""


# --------------------------------------------------------------------------- data


@dataclass
class LessonInfo:
    number: int
    slug: str
    title: str
    summary: str
    path: Path
    exercise: str | None = None


@dataclass
class Block:
    lang: str
    code: str
    line: int  # line of the opening fence in lesson.md
    attrs: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)  # template parameters

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    @property
    def runnable(self) -> bool:
        return self.lang == "python" and "norun" not in self.attrs

    @property
    def requires(self) -> list[str]:
        return _split(self.attrs.get("requires"))

    @property
    def uses(self) -> list[str]:
        return _split(self.attrs.get("uses"))


@dataclass
class Section:
    number: int
    title: str
    parts: list  # str (markdown) | Block


@dataclass
class LessonExercise:
    id: str
    file: str
    title: str
    prompt: str
    hints: list[str]


@dataclass
class Lesson:
    info: LessonInfo
    sections: list[Section]
    exercise_data: dict | None = None  # lessons/NN/exercise.toml, resolved on first use

    @property
    def number(self) -> int:
        return self.info.number

    @property
    def has_exercise(self) -> bool:
        return self.exercise_data is not None

    @property
    def exercise(self) -> LessonExercise | None:
        """The exercise, joined with the checker's (imported only when asked: it is not
        needed to put the first section on screen)."""
        if self.exercise_data is None:
            return None
        if "_resolved" not in self.__dict__:
            self.__dict__["_resolved"] = _lesson_exercise(self.exercise_data)
        return self.__dict__["_resolved"]

    def blocks(self):
        for s in self.sections:
            for p in s.parts:
                if isinstance(p, Block):
                    yield s, p

    def block(self, block_id: str) -> Block:
        for _, b in self.blocks():
            if b.id == block_id:
                return b
        raise LessonError(f"lesson {self.number}: no block with id={block_id!r}")


def _split(value) -> list[str]:
    if not value or value is True:
        return []
    return [v.strip() for v in str(value).split(",") if v.strip()]


# --------------------------------------------------------------------------- loading


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise LessonError(f"{path}: not valid TOML: {e}") from e


def index_data() -> dict:
    return _read_toml(LESSONS_DIR / "index.toml")


def load_index() -> list[LessonInfo]:
    """The lessons in order, without reading their text (cheap: for `kgen lessons`)."""
    out = []
    for entry in index_data()["lesson"]:
        out.append(LessonInfo(
            number=int(entry["number"]),
            slug=entry["dir"],
            title=entry["title"],
            summary=entry.get("summary", ""),
            path=LESSONS_DIR / entry["dir"],
            exercise=entry.get("exercise"),
        ))
    return sorted(out, key=lambda i: i.number)


def lesson_info(number: int) -> LessonInfo:
    index = load_index()
    for info in index:
        if info.number == number:
            return info
    raise LessonError(f"There is no lesson {number}; the lessons are numbered "
                      f"{index[0].number} to {index[-1].number} (see `kgen lessons`).")


def load_lesson(number: int) -> Lesson:
    info = lesson_info(number)
    md = info.path / "lesson.md"
    sections = parse_markdown(md.read_text(encoding="utf-8"), md)
    exercise = None
    ex_path = info.path / "exercise.toml"
    if ex_path.exists():
        data = _read_toml(ex_path)
        if data.get("id") != info.exercise:
            raise LessonError(f"{ex_path}: id {data.get('id')!r} differs from index.toml's "
                              f"exercise {info.exercise!r} for lesson {number}.")
        exercise = data
    return Lesson(info, sections, exercise)


def _lesson_exercise(data: dict) -> LessonExercise:
    """The checker's exercise (title, summary, hints, file) led in by the lesson's intro."""
    intro = data.get("intro", "").strip()
    spec = grader_exercise(data["id"])
    if spec is None:
        return LessonExercise(
            id=data["id"], file=data.get("file", data["id"].replace("-", "_") + ".py"),
            title=data.get("title", data["id"]),
            prompt=(intro + "\n\n" if intro else "") + data.get(
                "prompt", "The checker ships this exercise with issue 7.").strip(),
            hints=[h.strip() for h in data.get("hints", [])],
        )
    summary = " ".join(spec.summary.split())
    return LessonExercise(
        id=spec.id, file=spec.filename, title=data.get("title", spec.title),
        prompt=(intro + "\n\n" if intro else "") + summary,
        hints=[h.strip() for h in data.get("hints", spec.hints)],
    )


def parse_info_string(info: str, where: str) -> tuple[str, dict, dict]:
    try:
        tokens = shlex.split(info)
    except ValueError as e:
        raise LessonError(f"{where}: cannot read the code fence's attributes: {e}") from e
    lang = tokens[0] if tokens else "text"
    attrs, params = {}, {}
    for tok in tokens[1:]:
        key, eq, value = tok.partition("=")
        if key in BLOCK_KEYS:
            attrs[key] = value if eq else True
        elif eq:
            params[key] = value
        else:
            raise LessonError(f"{where}: unknown code block flag {tok!r}; flags are "
                              f"{', '.join(sorted(BLOCK_KEYS))} (or key=value for a template).")
    if params and "template" not in attrs:
        raise LessonError(f"{where}: unknown code block attribute(s) {sorted(params)}; "
                          f"attributes are {', '.join(sorted(BLOCK_KEYS))}.")
    return lang, attrs, params


def parse_markdown(text: str, path: Path | str = "<lesson>") -> list[Section]:
    """Split a lesson into `## ` sections of markdown chunks and code blocks."""
    sections: list[Section] = []
    prose: list[str] = []
    fence = None  # (marker, lang, attrs, params, start line, lines)

    def flush_prose():
        chunk = "\n".join(prose).strip("\n")
        prose.clear()
        if chunk.strip():
            if not sections:
                raise LessonError(f"{path}: text before the first '## ' section heading.")
            sections[-1].parts.append(chunk)

    for lineno, line in enumerate(text.splitlines(), 1):
        if fence is not None:
            if line.strip() == fence[0]:
                marker, lang, attrs, params, start, lines = fence
                code = "\n".join(lines) + ("\n" if lines else "")
                if "template" in attrs and code.strip():
                    raise LessonError(f"{path}:{start}: a template block has no body; "
                                      "its code is generated.")
                sections[-1].parts.append(Block(lang, code, start, attrs, params))
                fence = None
            else:
                fence[5].append(line)
            continue
        stripped = line.lstrip()
        if stripped.startswith("```"):
            marker = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            if not sections:
                raise LessonError(f"{path}:{lineno}: code before the first '## ' section.")
            flush_prose()
            lang, attrs, params = parse_info_string(stripped[len(marker):], f"{path}:{lineno}")
            fence = (marker, lang, attrs, params, lineno, [])
        elif line.startswith("## "):
            flush_prose()
            sections.append(Section(len(sections) + 1, line[3:].strip(), []))
        elif line.startswith("# "):
            continue  # the lesson title; index.toml is the source of truth for it
        else:
            prose.append(line)
    if fence is not None:
        raise LessonError(f"{path}:{fence[4]}: code block never closed.")
    flush_prose()
    return sections


# --------------------------------------------------------------------------- requirements


@dataclass
class Missing:
    requirement: str
    by: str


def _keras():
    from kgen import keras

    return keras


def _has(path: str) -> bool:
    """True when `module:NAME` imports, or when the attribute path exists under kgen.keras."""
    if path.startswith("module:"):
        import importlib

        try:
            importlib.import_module(path[len("module:"):])
        except ImportError:
            return False
        return True
    obj = _keras()
    for part in path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return False
        except Exception:  # a lazy attribute that fails to import is not there yet
            return False
    return True


def missing_requirements(requirements) -> list[Missing]:
    """The requirements not met, each with the issue that will deliver it."""
    table = index_data().get("requirements", {})
    out = []
    for req in requirements:
        entry = table.get(req)
        checks = entry.get("needs", [req]) if entry else [req]
        if all(_has(c) for c in checks):
            continue
        if entry is None:
            entry = table.get(req.split(".")[0], {})
        out.append(Missing(req, entry.get("by", "a later kgen issue")))
    return out


def describe_missing(missing: list[Missing]) -> str:
    names = ", ".join(f"`{m.requirement}`" for m in missing)
    by = "; ".join(sorted({m.by for m in missing}))
    return (f"Not run yet: needs {names}, which kgen does not have yet ({by}). "
            "It runs here by itself once that lands.")


# --------------------------------------------------------------------------- code


def block_code(block: Block) -> str:
    """The code a block shows and runs (template blocks are generated here)."""
    if "template" in block.attrs:
        from kgen.templates import render_template

        return render_template(block.attrs["template"], block.params)
    return block.code


def script_for(lesson: Lesson, block: Block) -> str:
    """A standalone script: the `uses=` blocks' code, then the block's own."""
    parts = [block_code(b) for b in _prelude(lesson, block)] + [block_code(block)]
    return "\n".join(p.rstrip("\n") + "\n" for p in parts)


def _prelude(lesson: Lesson, block: Block, seen=None) -> list[Block]:
    seen = set() if seen is None else seen
    out = []
    for uid in block.uses:
        if uid in seen:
            continue
        seen.add(uid)
        dep = lesson.block(uid)
        out.extend(_prelude(lesson, dep, seen))
        out.append(dep)
    return out


def block_requirements(lesson: Lesson, block: Block) -> list[str]:
    reqs = []
    for b in _prelude(lesson, block) + [block]:
        reqs.extend(b.requires)
        if "template" in b.attrs:
            from kgen.templates import template_requirements

            reqs.extend(template_requirements(b.attrs["template"], b.params))
    return list(dict.fromkeys(reqs))


# --------------------------------------------------------------------------- running


@dataclass
class Result:
    status: str  # "ok" | "raised" (as the block said) | "skipped" | "error"
    output: str = ""
    error: str = ""  # the last line of the exception, or the note for a skipped block
    tree: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "error"


def _reset_session():
    keras = _keras()
    backend = getattr(keras, "backend", None)
    if backend is not None and hasattr(backend, "clear_session"):
        backend.clear_session()
    import random

    import numpy as np

    random.seed(SEED)
    np.random.seed(SEED)
    utils = getattr(keras, "utils", None)
    if utils is not None and hasattr(utils, "set_random_seed"):
        utils.set_random_seed(SEED)


@contextlib.contextmanager
def _compat(enabled: bool):
    """Let `import keras` / `from keras.layers import ...` resolve to kgen (as `kgen run`)."""
    if enabled:
        from kgen.keras.compat import install_keras_alias

        install_keras_alias()
    yield


@contextlib.contextmanager
def _environment(width: int, workdir: str):
    """Captured stdout/stderr, warnings, numpy print options and cwd for one block."""
    import numpy as np

    buf = io.StringIO()
    old_cwd = os.getcwd()
    old_columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    os.chdir(workdir)
    try:
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf), \
                warnings.catch_warnings(record=True) as caught, \
                np.printoptions(precision=4, suppress=True, linewidth=width - 2):
            warnings.simplefilter("always")
            yield buf, caught
    finally:
        os.chdir(old_cwd)
        if old_columns is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old_columns


def _exec(code: str, filename: str, namespace: dict):
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    exec(compile(code, filename, "exec"), namespace)


def _format_warnings(caught) -> str:
    lines = []
    for w in caught:
        if type(w.message).__module__.startswith("numba") or "numba" in (w.filename or ""):
            continue
        line = f"{w.category.__name__}: {w.message}"
        if line not in lines:
            lines.append(line)
    return "\n".join(lines)


def _format_error(exc: BaseException, filename_prefix: str) -> str:
    """The traceback's frames in the lesson's own code, then the error line."""
    te = traceback.TracebackException.from_exception(exc)
    frames = [f for f in te.stack if f.filename.startswith(filename_prefix)]
    te.stack = traceback.StackSummary.from_list(frames)
    return "".join(te.format()).rstrip()


def run_block(lesson: Lesson, block: Block, width: int = MAX_WIDTH, workdir: str | None = None) -> Result:
    """Run one block in a fresh namespace and return what it printed."""
    missing = missing_requirements(block_requirements(lesson, block))
    if missing:
        return Result("skipped", error=describe_missing(missing))
    own = tempfile.TemporaryDirectory(prefix="kgen-lesson-") if workdir is None else None
    workdir = own.name if own else workdir
    prefix = f"<lesson {lesson.number}"
    namespace = {"__name__": "__main__"}
    expected = block.attrs.get("raises")
    try:
        with _compat("keras2" in block.attrs or any("keras2" in b.attrs for b in _prelude(lesson, block))):
            _reset_session()
            with _environment(width, workdir) as (buf, caught):
                try:
                    for dep in _prelude(lesson, block):
                        _exec(block_code(dep), f"{prefix} block {dep.id}>", namespace)
                    buf.seek(0)
                    buf.truncate()
                    del caught[:]
                    _exec(block_code(block), f"{prefix} line {block.line}>", namespace)
                    exc = None
                except Exception as e:  # the learner sees the error; the renderer goes on
                    exc = e
            output = buf.getvalue().rstrip()
            notes = _format_warnings(caught)
            if notes:
                output = (output + "\n" + notes).strip("\n")
            if exc is None:
                if expected:
                    return Result("error", output, f"expected {expected}, but the code ran without it")
                tree = ""
                if block.attrs.get("tree"):
                    from kgen.plot import text_tree

                    tree = text_tree(namespace[block.attrs["tree"]])
                return Result("ok", output, tree=tree)
            names = [c.__name__ for c in type(exc).__mro__]
            if expected and expected in names:
                return Result("raised", output, f"{type(exc).__name__}: {exc}")
            return Result("error", output, _format_error(exc, prefix))
    finally:
        if own:
            own.cleanup()


# --------------------------------------------------------------------------- rendering


def make_console(file=None, width: int | None = None):
    """A rich console at most 80 columns wide that honours NO_COLOR and pipes."""
    from rich.console import Console

    console = Console(file=file, highlight=False, soft_wrap=False, emoji=False)
    console.width = min(width or console.width, MAX_WIDTH)
    return console


class Renderer:
    """Prints a lesson part by part as it runs, so the first section shows at once."""

    def __init__(self, console):
        self.console = console

    def emit(self, renderable):
        c = self.console
        with c.capture() as cap:
            c.print(renderable)
        text = cap.get()
        if not c.is_terminal or c.no_color:
            text = "\n".join(line.rstrip() for line in text.split("\n"))
        c.file.write(text)
        c.file.flush()

    def blank(self):
        self.console.file.write("\n")

    def header(self, lesson: Lesson):
        from rich.text import Text

        self.emit(Text(f"Lesson {lesson.number}: {lesson.info.title}", style="bold"))
        self.emit(Text("=" * min(self.console.width, len(lesson.info.title) + 10), style="dim"))

    def section_title(self, lesson: Lesson, section: Section):
        from rich.rule import Rule

        self.blank()
        self.emit(Rule(f"{lesson.number}.{section.number} {section.title}", align="left",
                       style="cyan", characters="─"))

    def prose(self, text: str):
        from rich.markdown import Markdown

        self.emit(Markdown(text, code_theme="ansi_dark", inline_code_lexer=None))

    def code(self, code: str, lang: str):
        from rich.padding import Padding
        from rich.syntax import Syntax

        lexer = "python" if lang == "python" else "text"
        syntax = Syntax(code.rstrip("\n"), lexer, theme="ansi_dark", background_color="default",
                        word_wrap=True)
        self.blank()
        self.emit(Padding(syntax, (0, 0, 0, 4)))

    def result(self, result: Result):
        from rich.rule import Rule
        from rich.text import Text

        label = {"ok": "output", "raised": "output", "error": "error", "skipped": "skipped"}
        if result.status == "skipped":
            from rich.padding import Padding

            self.emit(Padding(Text(f"⏭  {result.error}", style="yellow"), (0, 0, 0, 2)))
            return
        body = result.output
        if result.error:
            body = (body + "\n" + result.error).strip("\n")
        if result.tree:
            body = (body + "\n" + result.tree).strip("\n") if body else result.tree
        if not body:
            return
        style = "red" if result.status == "error" else "dim"
        self.emit(Rule(label[result.status], align="left", style=style, characters="╌"))
        self.emit(Text(body, style="red" if result.status == "error" else ""))


def grader_exercise(exercise_id: str):
    """The checker's exercise of this id, or None while the checker does not ship it."""
    try:
        from kgen.grader.spec import ExerciseError, load_exercise
    except ImportError:
        return None
    try:
        return load_exercise(exercise_id)
    except ExerciseError:
        return None


def exercise_hints(ex: LessonExercise) -> list[str]:
    return ex.hints


def exercise_section(lesson: Lesson) -> Section | None:
    """The exercise as a last section (prompt, the commands to start and grade it)."""
    ex = lesson.exercise
    if ex is None:
        return None
    n = lesson.number
    n_hints = len(exercise_hints(ex))
    hints = f"{n_hints} hint" + ("s" if n_hints != 1 else "")
    text = (
        f"{ex.prompt}\n\n"
        f"- `kgen lesson {n} --exercise` writes `{ex.file}` for you to fill in\n"
        f"- `kgen check {ex.file}` grades it (exercise `{ex.id}`)\n"
        f"- `kgen lesson {n} --hint` reveals the next hint ({hints})"
    )
    return Section(len(lesson.sections) + 1, f"Exercise: {ex.title}", [text])


def all_sections(lesson: Lesson) -> list[Section]:
    extra = exercise_section(lesson)
    return lesson.sections + ([extra] if extra else [])


def section_count(lesson: Lesson) -> int:
    return len(lesson.sections) + (1 if lesson.has_exercise else 0)


def render_lesson(number: int, console=None, section: int | None = None, run: bool = True,
                  on_section=None, start: int | None = None) -> list[Result]:
    """Render lesson `number` (or one section, or from section `start` on), running its code.

    Parts are printed as soon as they are ready; `on_section(n)` is called after each section
    is fully on screen (the CLI records progress with it). Returns the blocks' results.
    """
    console = console or make_console()
    r = Renderer(console)
    lesson = load_lesson(number)
    # The exercise section comes last and is made when reached (it reads the checker's files).
    numbers = list(range(1, section_count(lesson) + 1))
    if section is not None:
        if section not in numbers:
            raise LessonError(f"Lesson {number} has sections 1 to {len(numbers)}. Received: {section}")
        numbers = [section]
    elif start is not None:
        numbers = numbers[max(start, 1) - 1:]
    results = []
    r.header(lesson)
    with tempfile.TemporaryDirectory(prefix="kgen-lesson-") as workdir:
        for n in numbers:
            s = lesson.sections[n - 1] if n <= len(lesson.sections) else exercise_section(lesson)
            r.section_title(lesson, s)
            after_code = False
            for part in s.parts:
                if isinstance(part, str):
                    if after_code:
                        r.blank()
                    r.prose(part)
                    after_code = False
                    continue
                after_code = True
                r.code(block_code(part), part.lang)
                if run and part.runnable:
                    result = run_block(lesson, part, width=console.width, workdir=workdir)
                    results.append(result)
                    r.result(result)
            if on_section:
                on_section(s.number)
    return results


def render_text(number: int, width: int = MAX_WIDTH, section: int | None = None) -> str:
    """The lesson as plain text (what `NO_COLOR=1 kgen lesson N | cat` prints)."""
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True, force_terminal=False,
                      highlight=False, soft_wrap=False, emoji=False)
    render_lesson(number, console, section=section)
    return buf.getvalue()


# --------------------------------------------------------------------------- scripts


def write_scripts(number: int, directory: Path) -> list[Path]:
    """Write every runnable block of lesson `number` as a standalone script in `directory`."""
    lesson = load_lesson(number)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for k, (section, block) in enumerate(lesson.blocks(), 1):
        if not block.runnable:
            continue
        name = (block.id or f"section{section.number}_{k}").replace("-", "_")
        path = directory / f"lesson{number:02d}_{k:02d}_{name}.py"
        head = [f"# Lesson {number}, section {section.number}: {section.title}"]
        if "keras2" in block.attrs:
            head.append(f"# Keras-2 imports: run it with `kgen run {path.name}`.")
        else:
            head.append(f"# Run it with `python {path.name}` or `kgen run {path.name}`.")
        if block.attrs.get("raises"):
            head.append(f"# It ends with {block.attrs['raises']} on purpose: that is the lesson.")
        reqs = block_requirements(lesson, block)
        if reqs:
            head.append(f"# Needs: {', '.join(reqs)}.")
        path.write_text("\n".join(head) + "\n\n" + script_for(lesson, block), encoding="utf-8")
        written.append(path)
    return written

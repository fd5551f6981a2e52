"""`kgen lessons`, `kgen lesson N` and its options, as a learner types them."""

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kgen import lessons, progress
from kgen.cli import app

ENV = {"NO_COLOR": "1", "COLUMNS": "80", "TERM": "dumb"}


def kgen(*args):
    return CliRunner().invoke(app, list(args), env=ENV)


def test_lessons_table_lists_all_seven_with_progress():
    r = kgen("lessons")
    assert r.exit_code == 0, r.output
    for info in lessons.load_index():
        assert info.title in r.output
    assert "0/7" in r.output
    progress.mark_section_read(1, 1, "merge-model")
    assert "1/7 …" in kgen("lessons").output
    for line in r.output.splitlines():
        assert len(line) <= 80


def test_lesson_out_of_range_and_bad_section_say_what_exists():
    r = kgen("lesson", "99")
    assert r.exit_code == 2 and "lessons are numbered 1 to 7" in r.output
    r = kgen("lesson", "1", "--section", "42")
    assert r.exit_code == 2 and "sections 1 to" in r.output


def test_section_shows_only_that_section_and_records_it():
    r = kgen("lesson", "6", "--section", "3")
    assert r.exit_code == 0, r.output
    assert "6.3 one_hot" in r.output and "6.2 " not in r.output and "6.4 " not in r.output
    assert progress.load().lesson(6).sections_read == {3}


def test_next_continues_where_the_learner_stopped():
    r = kgen("lessons", "--next")
    assert r.exit_code == 0 and "Lesson 1: Merge layers" in r.output  # a new learner starts at 1
    assert "1.1 " in r.output
    # lesson 1 read (its exercise not passed yet), then lesson 2 opened and left at section 3
    for s in range(1, 8):
        progress.mark_section_read(1, s, "merge-model")
    progress.mark_section_read(2, 1, "antirectifier")
    progress.mark_section_read(2, 2, "antirectifier")
    r = kgen("lessons", "--next")
    assert "2.3 " in r.output and "2.1 " not in r.output


def test_next_after_a_finished_lesson_goes_on():
    n = len(lessons.all_sections(lessons.load_lesson(3)))
    for s in range(1, n + 1):
        progress.mark_section_read(3, s, "my-layer")
    r = kgen("lessons", "--next")
    assert "Lesson 4:" in r.output


def test_reset_forgets_progress():
    progress.mark_section_read(1, 1)
    r = kgen("lessons", "--reset")
    assert r.exit_code == 0 and "reset" in r.output
    assert progress.load().lessons == {}


def test_hints_are_revealed_one_at_a_time():
    hints = lessons.load_lesson(3).exercise.hints
    r1 = kgen("lesson", "3", "--hint")
    assert f"Hint 1 of {len(hints)}" in r1.output and "Hint 2" not in r1.output
    r2 = kgen("lesson", "3", "--hint")
    assert f"Hint 2 of {len(hints)}" in r2.output
    for _ in hints:
        r = kgen("lesson", "3", "--hint")
    assert "That was the last hint." in r.output
    assert progress.load().lesson(3).hints_shown == len(hints)


def test_exercise_writes_the_starter_once(tmp_path):
    if lessons.grader_exercise("my-layer") is None:
        pytest.skip("the checker's exercises are not there yet (issue 7)")
    r = kgen("lesson", "3", "--exercise", "--write", str(tmp_path))
    assert r.exit_code == 0, r.output
    starter = tmp_path / "my_layer.py"
    assert starter.exists() and "kgen check" in r.output
    again = kgen("lesson", "3", "--exercise", "--write", str(tmp_path))
    assert again.exit_code == 1 and "exists already" in again.output


def test_write_dir_gives_standalone_scripts_that_run(tmp_path):
    r = kgen("lesson", "3", "--write", str(tmp_path))
    assert r.exit_code == 0, r.output
    scripts = sorted(tmp_path.glob("lesson03_*.py"))
    assert len(scripts) == sum(1 for _, b in lessons.load_lesson(3).blocks() if b.runnable)
    # a block with uses= carries its prelude; a keras2 block says to use `kgen run`
    model_script = next(p for p in scripts if "mylayer_model" in p.name)
    text = model_script.read_text()
    assert "class MyLayer" in text and "kgen run" in text
    run = subprocess.run([sys.executable, "-m", "kgen", "run", str(model_script)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "my_layer (MyLayer)" in run.stdout
    plain = next(p for p in scripts if p.name.endswith("_call.py"))
    run = subprocess.run([sys.executable, str(plain)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "equal: True" in run.stdout


def test_pipe_output_has_no_escape_codes_and_fits_80_columns():
    """The real command, piped (non-TTY), with NO_COLOR: what CI and `| less` see."""
    env = dict(__import__("os").environ, NO_COLOR="1", COLUMNS="200")
    run = subprocess.run([sys.executable, "-m", "kgen", "lesson", "1", "--section", "1"],
                         capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stderr
    assert "\x1b[" not in run.stdout
    assert max(len(line) for line in run.stdout.splitlines()) <= 80
    assert "add (Add)" in run.stdout


def test_lesson_command_imports_no_engine_before_the_first_section():
    """typer/rich at start, the engine only when code runs: the first section shows fast."""
    code = ("import sys; from kgen.cli import app; "
            "assert 'numba' not in sys.modules and 'kgen.keras' not in sys.modules; "
            "assert 'jinja2' not in sys.modules; print('lazy')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr

"""Exercise folders: the instructor's `--exercises DIR`, and clear errors for bad specs."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from kgen.cli import app
from kgen.grader import ExerciseError, Grader, list_exercises, load_exercise
from kgen.grader.spec import load_exercise_dir

runner = CliRunner()

DOUBLE_TOML = """
id = "double-it"
lesson = 9
title = "Double every value"
class_name = "Double"
filename = "double.py"
input_shapes = [["None", 3], [2, 3, 4]]
hints = ["return inputs * 2"]

[checks.call]
points = 2.5

[checks.gradients]
enabled = false

[checks.shared]
enabled = false
"""
DOUBLE_REF = """
from kgen import keras


class Double(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0

    def compute_output_shape(self, input_shape):
        return input_shape
"""


@pytest.fixture()
def course(tmp_path):
    d = tmp_path / "course" / "double-it"
    d.mkdir(parents=True)
    (d / "exercise.toml").write_text(DOUBLE_TOML)
    (d / "reference.py").write_text(DOUBLE_REF)
    (d / "starter.py").write_text(DOUBLE_REF.replace("2.0", "1.0"))
    return tmp_path / "course"


def test_instructor_exercise(course, tmp_path):
    ex = load_exercise("double-it", [course])
    assert [c.name for c in ex.checks] == ["class", "init", "config", "weights", "output_shape",
                                           "symbolic", "call", "call_shape", "finite", "model"]
    assert ex.check("call").points == Fraction(5, 2)
    assert ex.input_shapes == [[None, 3], [2, 3, 4]]
    assert "double-it" in [e.id for e in list_exercises([course])]
    r = runner.invoke(app, ["exercises", "--exercises", str(course)], env={"COLUMNS": "80"})
    assert "double-it" in r.output and "my-layer" in r.output

    grader = Grader(ex, timeout=20, probe_timeout=5)
    good = grader.grade(ex.reference_path)
    assert good.full_marks and good.score == Fraction(25, 2)
    bad = grader.grade(ex.starter_path)
    assert bad.score == Fraction(9)  # 12.5 minus call (2.5) minus model (1)
    r = runner.invoke(app, ["check", str(ex.starter_path), "-e", "double-it", "--exercises",
                            str(course), "--format", "gradescope"])
    data = json.loads(r.output)
    assert data["score"] == 9 and data["max_score"] == 12.5


@pytest.mark.parametrize("text, words", [
    ("id = 'x'\nclass_name = 'X'\ninput_shapes = [[", "not valid TOML"),
    ("id = 'x'\ninput_shapes = [[2, 3]]", "needs class_name"),
    ("id = 'x'\nclass_name = 'X'", "needs input_shapes"),
    ("id = 'x'\nclass_name = 'X'\ninput_shapes = [[2, 'None']]", "only the batch axis"),
    ("id = 'x'\nkind = 'lambda'", "kind must be 'layer' or 'model'"),
    ("id = 'x'\nclass_name = 'X'\ninput_shapes = [[2, 3]]\n[checks.speed]\npoints = 1",
     "unknown check(s) ['speed']"),
    ("id = 'x'\nclass_name = 'X'\ninput_shapes = [[2, 3]]\n[checks.call]\npoints = -1",
     "points must be >= 0"),
])
def test_bad_specs_say_what_to_fix(tmp_path, text, words):
    (tmp_path / "exercise.toml").write_text(text)
    (tmp_path / "reference.py").write_text("")
    with pytest.raises(ExerciseError) as e:
        load_exercise_dir(tmp_path)
    assert words in str(e.value) and "exercise.toml" in str(e.value)


def test_unknown_exercise_lists_the_known_ones():
    with pytest.raises(ExerciseError, match="Known exercises: merge-model"):
        load_exercise("nope")

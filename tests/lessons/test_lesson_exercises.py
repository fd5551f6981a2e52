"""Each lesson's exercise, graded by the checker: the reference passes, the starter does not."""

import pytest

from kgen import lessons

INDEX = lessons.load_index()


def _grader(exercise_id):
    spec = lessons.grader_exercise(exercise_id)
    if spec is None:
        pytest.skip(f"the checker does not ship exercise {exercise_id!r} yet (issue 7)")
    from kgen.grader.grade import Grader

    return spec, Grader(spec)


@pytest.mark.parametrize("info", INDEX, ids=lambda i: f"lesson{i.number}-{i.exercise}")
def test_reference_solution_passes_and_starter_fails(info):
    spec, grader = _grader(info.exercise)
    report = grader.grade(spec.reference_path)
    assert report.full_marks, report.verdict
    starter = grader.grade(spec.starter_path)
    assert not starter.full_marks, "a starter file that already passes teaches nothing"

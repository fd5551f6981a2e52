"""The grader: check a learner's layer or model against an exercise's reference.

    from kgen.grader import load_exercise, Grader
    report = Grader(load_exercise("my-layer")).grade("my_layer.py")
    print(report.score, report.max_score, report.verdict)

Submissions run in sandboxed child processes (`sandbox.py`, `worker.py`, `probes.py`);
scoring happens here, in the parent (`checks.py`). Exercises are data
(`spec.py`, `exercises/<id>/exercise.toml`).
"""

from kgen.grader.grade import Grader, GraderError, grade_many, submissions_in
from kgen.grader.report import CheckResult, Report
from kgen.grader.spec import Exercise, ExerciseError, list_exercises, load_exercise

__all__ = [
    "CheckResult", "Exercise", "ExerciseError", "Grader", "GraderError", "Report",
    "grade_many", "list_exercises", "load_exercise", "submissions_in",
]

"""Every way a submission can break gets a clear verdict, in bounded time, and never
crashes the grader (fixtures in fixtures/failures/, graded as exercise my-layer)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import LIMITS
from kgen.grader.probes import gradient_support

TRAINING = not gradient_support()

# stem: (check, status, words the message must contain)
VERDICTS = {
    "syntax_error": ("class", "error", ["SyntaxError at line 4", "class MyLayer(keras.layers.Layer)"]),
    "import_error": ("class", "error", ["No module named 'tensorflow'", "from kgen import keras"]),
    "missing_class": ("class", "failed", ["defines no `MyLayer`", "Mylayer", "case-sensitive"]),
    "not_a_layer": ("class", "failed", ["does not subclass keras.layers.Layer"]),
    "init_error": ("init", "error", ["AttributeError", "input_dim", "line 8"]),
    "build_error": ("weights", "error", ["build(input_shape) raised ValueError", "unifrom"]),
    "call_error": ("call", "error", ["'kernal'", "line 15", "return K.dot(x, self.kernal)"]),
    "infinite_loop": ("call", "error", [f"timed out after {LIMITS['probe_timeout']} s",
                                        "endless loop"]),
    "stubborn_loop": ("call", "error", [f"stopped your code after {LIMITS['timeout']} s"]),
    "memory_hog": ("call", "error", [f"ran out of memory (limit {LIMITS['memory_mb']} MiB)"]),
    "sys_exit": ("class", "error", ["sys.exit()", "if __name__ == \"__main__\":"]),
    "sys_exit_in_call": ("call", "error", ["sys.exit()", "stop here"]),
    "os_exit": ("call", "error", ["exit code 3", "os._exit()"]),
    "huge_file": ("call", "error", ["more than 16 MiB"]),
    "wrong_type_none": ("call", "error", ["returned None", "forget `return`"]),
    "wrong_type_list": ("call", "error", ["returned a list of 1 item"]),
    "nan_output": ("finite", "failed", ["NaN"]),
    "cheater": ("call", "failed", ["the output has shape (2, 1); expected (2, 4)"]),
}
# Submissions that are correct however odd they are.
FULL_MARKS = {"correct_keras2", "huge_print", "writes_files"}


@pytest.mark.parametrize("stem", sorted(VERDICTS))
def test_clear_verdict(failure_reports, stem):
    report = failure_reports[stem]
    check, status, words = VERDICTS[stem]
    c = {c.name: c for c in report.checks}[check]
    assert c.status == status, c.to_dict()
    for w in words:
        assert w in c.message, (w, c.message)
    assert c.hint
    assert not report.ok and report.score < report.max_score
    first = (report.required_failed or [c for c in report.checks if not c.passed])[0]
    assert f"'{first.name}'" in report.verdict  # the one-line summary names what to fix
    # Bounded time: the wall-clock limit plus process start and reading results.
    assert report.elapsed < LIMITS["timeout"] + 8


@pytest.mark.parametrize("stem", sorted(FULL_MARKS))
def test_odd_but_correct(failure_reports, stem):
    report = failure_reports[stem]
    assert report.full_marks or (TRAINING and report.score == report.max_score), report.verdict
    assert report.ok


def test_huge_printing_is_truncated(failure_reports):
    report = failure_reports["huge_print"]
    assert len(report.stdout) < 12 * 1024
    assert any("printed" in n and "stdout" in n for n in report.notes)


def test_written_files_are_reported_and_discarded(failure_reports):
    report = failure_reports["writes_files"]
    assert any("notes.txt" in n for n in report.notes)


def test_numpy_inside_call_is_caught_only_by_training(failure_reports):
    # Eagerly, np.dot on kgen tensors works and the symbolic call uses
    # compute_output_shape: only the gradient check can see numpy breaking autodiff.
    report = failure_reports["numpy_in_call"]
    statuses = {c.name: c.status for c in report.checks}
    grad = {c.name: c for c in report.checks}["gradients"]
    assert statuses.pop("gradients") == ("error" if TRAINING else "unavailable")
    if TRAINING:
        assert "numpy" in grad.hint
    assert set(statuses.values()) == {"passed"}


def test_stops_after_the_first_timeout(failure_reports):
    statuses = {c.name: c.status for c in failure_reports["infinite_loop"].checks}
    assert statuses["model"] == statuses["shared"] == "skipped"
    assert statuses["class"] == statuses["weights"] == "passed"  # earlier work keeps its points


def test_cheating_in_the_child_does_not_reach_the_grader(failure_reports):
    assert not np.allclose(np.zeros(2), np.ones(2))
    statuses = {c.name: c.status for c in failure_reports["cheater"].checks}
    assert statuses["call"] == statuses["finite"] == "failed"


def test_every_failure_fixture_is_covered(failure_reports):
    assert set(failure_reports) == set(VERDICTS) | FULL_MARKS | {"numpy_in_call"}

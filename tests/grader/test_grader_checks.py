"""Scoring on synthetic probe facts (no child processes): n/a checks, gradients, diffs."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from kgen.grader import load_exercise
from kgen.grader.checks import compare_arrays, evaluate
from kgen.grader.report import Report
from kgen.grader.sandbox import ProbeResult, RunResult


def run(**probes):
    return RunResult(probes={k: ProbeResult(k, *v) for k, v in probes.items()}, outcome="done",
                     limits={"timeout": 60, "probe_timeout": 20, "memory_mb": 2048,
                             "fsize_mb": 16})


def steps(before, grads, lr):
    arrays = {}
    for k, (b, g) in enumerate(zip(before, grads)):
        arrays[f"b{k}"] = np.float32(b)
        arrays[f"w{k}"] = np.float32(b - lr * g)
    return arrays


def test_training_not_available_is_na_and_not_counted():
    ex = load_exercise("my-layer")
    unavailable = ("unavailable", {}, {}, {"message": "training is not available yet"})
    results = evaluate(ex, run(gradients=unavailable), run(gradients=unavailable),
                       only="gradients")
    (c,) = results
    assert c.status == "unavailable" and not c.counted and c.score == 0
    assert "not available yet" in c.message
    report = Report("my-layer", "x.py", results)
    assert report.max_score == 0 and report.ok


def test_gradients_compare_the_implied_gradient():
    ex = load_exercise("my-layer")
    lr = ex.learning_rate
    w = [np.ones((3, 2)), np.full((2,), 0.5)]
    g = [np.arange(6.0).reshape(3, 2), np.array([1.0, -1.0])]
    ref = run(gradients=("ok", {}, steps(w, g, lr)))
    same = run(gradients=("ok", {}, steps(w, [x + 1e-6 for x in g], lr)))
    (c,) = evaluate(ex, ref, same, only="gradients")
    assert c.status == "passed" and c.score == ex.check("gradients").points
    cut = run(gradients=("ok", {}, steps(w, [g[0], np.zeros(2)], lr)))
    (c,) = evaluate(ex, ref, cut, only="gradients")
    assert c.status == "failed"
    assert "the gradient of weight 1" in c.message and "no gradient at all" in c.message


def test_compare_arrays_names_the_worst_index():
    expected = np.zeros((2, 3), np.float32)
    received = expected.copy()
    received[1, 2] = 0.5
    received[0, 0] = 1e-7
    ok, msg, diff = compare_arrays(expected, received, 1e-5, 1e-5, "call")
    assert not ok and diff["index"] == [1, 2] and diff["mismatched"] == 1
    assert "expected 0, received 0.5" in msg
    ok, msg, diff = compare_arrays(expected, received[:, :2], 1e-5, 1e-5, "call")
    assert not ok and "shape (2, 2); expected (2, 3)" in msg
    nan = np.full((2, 3), np.nan, np.float32)
    ok, msg, _ = compare_arrays(expected, nan, 1e-5, 1e-5, "call")
    assert not ok and "NaN" in msg


def test_a_reference_that_cannot_run_a_check_makes_it_na():
    ex = load_exercise("my-layer")
    broken = ("error", {}, {}, {"type": "NotImplementedError", "message": "no get_output_at"})
    (c,) = evaluate(ex, run(shared=broken), run(shared=("ok", {}, {})), only="shared")
    assert c.status == "unavailable" and "reference solution cannot run" in c.message


def test_points_are_exact_fractions():
    ex = load_exercise("my-layer")
    assert ex.max_score == sum(c.points for c in ex.checks)
    assert all(isinstance(c.points, Fraction) for c in ex.checks)

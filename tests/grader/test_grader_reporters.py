"""The four report formats: text (80 columns, no colour when piped), json, gradescope, junit."""

from __future__ import annotations

import io
import json
import re
from xml.etree import ElementTree as ET

import pytest
from rich.console import Console

from kgen.grader.reporters import (
    format_report, gradebook_csv, gradebook_json, render_text, to_gradescope, to_junit,
)


@pytest.fixture(scope="module")
def sample(exercise_reports):
    return {"pass": exercise_reports["my-layer", "correct"],
            "fail": exercise_reports["my-layer", "broken"],
            "model": exercise_reports["merge-model", "partial"]}


@pytest.mark.parametrize("kind", ["pass", "fail", "model"])
def test_text_fits_80_columns_without_colour(sample, kind):
    buf = io.StringIO()
    render_text(sample[kind], Console(file=buf, width=80, no_color=True, force_terminal=False))
    text = buf.getvalue()
    assert "\x1b[" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "score" in text and sample[kind].exercise in text
    if kind == "fail":
        assert "hint:" in text and "FAIL" in text or "ERROR" in text


def test_json_round_trips(sample):
    data = json.loads(format_report(sample["fail"], "json"))
    assert data["exercise"] == "my-layer" and data["ok"] is False
    assert data["score"] == sum(c["score"] for c in data["checks"])
    call = next(c for c in data["checks"] if c["name"] == "call")
    assert call["status"] == "error" and "kernal" in call["message"] and call["hint"]


def test_gradescope_results_shape(sample):
    for report in sample.values():
        data = json.loads(to_gradescope(report))
        assert set(data) >= {"score", "max_score", "execution_time", "tests"}
        assert data["score"] == sum(t["score"] for t in data["tests"])
        assert data["max_score"] == sum(t["max_score"] for t in data["tests"])
        for t in data["tests"]:
            assert set(t) == {"name", "score", "max_score", "status", "output", "visibility"}
            assert t["status"] in ("passed", "failed") and t["visibility"] == "visible"


def test_junit_parses(sample):
    root = ET.fromstring(to_junit(sample["fail"]))
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(sample["fail"].checks)
    errors = [c for c in cases if c.find("error") is not None]
    assert int(suite.get("errors")) == len(errors) > 0
    call = next(c for c in cases if c.get("name") == "call")
    assert "kernal" in call.find("error").get("message")
    ok = ET.fromstring(to_junit(sample["pass"])).find("testsuite")
    assert ok.get("failures") == "0" and ok.get("errors") == "0"


def test_gradebooks(sample):
    reports = list(sample.values())
    rows = gradebook_csv(reports).strip().splitlines()
    assert rows[0].startswith("submission,score,max_score,percent,ok,verdict,seconds")
    assert len(rows) == 4
    assert len(json.loads(gradebook_json(reports))) == 3


def test_scores_are_exact_numbers(sample):
    data = json.loads(format_report(sample["pass"], "json"))
    assert isinstance(data["score"], int) and data["score"] == data["max_score"]
    assert re.fullmatch(r"\d+", str(data["max_score"]))

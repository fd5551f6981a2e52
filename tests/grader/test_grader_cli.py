"""`kgen check / grade / exercises / grader export|lint` through the typer app."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from conftest import FIXTURES
from kgen.cli import app

runner = CliRunner()
ENV = {"NO_COLOR": "1", "COLUMNS": "80"}
CORRECT = FIXTURES / "exercises" / "my-layer_correct.py"
BROKEN = FIXTURES / "failures" / "call_error.py"
PARTIAL = FIXTURES / "exercises" / "my-layer_partial.py"


def kgen(*args):
    return runner.invoke(app, [str(a) for a in args], env=ENV)


def test_exercises_lists_ids_lessons_titles():
    r = kgen("exercises")
    assert r.exit_code == 0, r.output
    for ex_id in ("merge-model", "antirectifier", "my-layer", "shared-encoder",
                  "residual-block", "cosine-similarity", "scaled-dense"):
        assert ex_id in r.output
    data = json.loads(kgen("exercises", "--json").output)
    assert [d["lesson"] for d in data] == list(range(1, 8))


def test_check_exit_codes_and_formats(tmp_path):
    r = kgen("check", CORRECT, "--exercise", "my-layer")
    assert r.exit_code == 0, r.output
    assert "score" in r.output and "\x1b[" not in r.output
    assert max(len(line) for line in r.output.splitlines()) <= 80

    r = kgen("check", BROKEN, "-e", "my-layer", "--format", "json")
    assert r.exit_code == 1
    assert json.loads(r.output)["ok"] is False

    out = tmp_path / "results.json"
    r = kgen("check", BROKEN, "-e", "my-layer", "--format", "gradescope", "-o", out)
    assert r.exit_code == 1 and json.loads(out.read_text())["tests"]

    r = kgen("check", BROKEN, "-e", "my-layer", "--format", "junit")
    assert r.output.startswith("<?xml")


def test_check_one_check(tmp_path):
    assert kgen("check", BROKEN, "-e", "my-layer", "--check", "call").exit_code == 1
    assert kgen("check", BROKEN, "-e", "my-layer", "--check", "weights").exit_code == 0
    r = kgen("check", BROKEN, "-e", "my-layer", "--check", "nope")
    assert r.exit_code == 2 and "has no check 'nope'" in r.output


def test_check_guesses_the_exercise(tmp_path):
    starter = tmp_path / "anything.py"
    shutil.copy(Path(__file__).parents[2] / "kgen/grader/exercises/antirectifier/starter.py",
                starter)
    r = kgen("check", starter)  # from the `# kgen-exercise:` line
    assert r.exit_code == 1 and "antirectifier" in r.output
    named = tmp_path / "my_layer.py"
    shutil.copy(CORRECT, named)
    assert kgen("check", named).exit_code == 0  # from the file name
    other = tmp_path / "other.py"
    shutil.copy(CORRECT, other)
    r = kgen("check", other)
    assert r.exit_code == 2 and "--exercise" in r.output


def test_solution_revealed_only_after_a_full_pass():
    r = kgen("check", CORRECT, "-e", "my-layer", "--solution")
    assert r.exit_code == 0 and "Reference solution" in r.output and "K.dot(x, self.kernel)" in r.output
    r = kgen("check", PARTIAL, "-e", "my-layer", "--solution")
    assert "Reference solution for" not in r.output and "after a full pass" in r.output


def test_folder_submission_with_a_helper_module(tmp_path):
    sub = tmp_path / "student"
    sub.mkdir()
    (sub / "helpers.py").write_text("from kgen.keras import backend as K\n\n"
                                    "def project(x, w):\n    return K.dot(x, w)\n")
    (sub / "my_layer.py").write_text(CORRECT.read_text().replace(
        "return ops.matmul(inputs, self.kernel)", "return project(inputs, self.kernel)").replace(
        "from kgen.keras import ops", "from kgen.keras import ops\nfrom helpers import project"))
    r = kgen("check", sub, "-e", "my-layer", "--format", "json")
    assert r.exit_code == 0, r.output


def test_grade_fifty_submissions_two_jobs(tmp_path, capsys):
    subs = tmp_path / "class"
    subs.mkdir()
    kinds = {}
    for i in range(50):
        src = {0: BROKEN, 1: PARTIAL}.get(i % 5, CORRECT)
        kinds[f"student{i:02d}"] = src
        if i % 10 == 3:  # some hand in a folder
            (subs / f"student{i:02d}").mkdir()
            (subs / f"student{i:02d}" / "my_layer.py").write_text(src.read_text() + f"\n# {i}\n")
        else:
            (subs / f"student{i:02d}.py").write_text(src.read_text() + f"\n# {i}\n")
    out = tmp_path / "gradebook.csv"
    start = time.monotonic()
    r = kgen("grade", subs, "--exercise", "my-layer", "--jobs", 2, "--out", out)
    elapsed = time.monotonic() - start
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 50
    by_name = {Path(row["submission"]).stem: row for row in rows}
    scores = {src: {by_name[k]["score"] for k, s in kinds.items() if s == src}
              for src in (CORRECT, PARTIAL, BROKEN)}
    assert all(len(v) == 1 for v in scores.values())  # same code, same score
    assert scores[CORRECT] == {by_name["student02"]["max_score"]}
    assert "50 submissions" in r.output
    with capsys.disabled():
        print(f"\n[kgen grade] 50 submissions, 2 jobs: {elapsed:.1f} s = "
              f"{50 / elapsed:.2f} submissions/s")


def test_grade_json_gradebook(tmp_path):
    subs = tmp_path / "class"
    subs.mkdir()
    for i, src in enumerate((CORRECT, PARTIAL, BROKEN)):
        shutil.copy(src, subs / f"s{i}.py")
    json_out = tmp_path / "gradebook.json"
    r = kgen("grade", subs, "-e", "my-layer", "-j", 2, "-o", json_out)
    assert r.exit_code == 0, r.output
    data = json.loads(json_out.read_text())
    assert [Path(d["submission"]).name for d in data] == ["s0.py", "s1.py", "s2.py"]
    assert data[0]["ok"] and not data[2]["ok"]
    assert kgen("grade", subs, "-e", "my-layer", "-o", tmp_path / "x.txt").exit_code == 2


def test_gradescope_export_runs_offline(tmp_path):
    zpath = tmp_path / "autograder.zip"
    r = kgen("grader", "export", "--gradescope", "my-layer", "-o", zpath)
    assert r.exit_code == 0, r.output
    with zipfile.ZipFile(zpath) as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "kgen_src/pyproject.toml",
                "kgen_src/kgen/grader/worker.py", "exercises/my-layer/exercise.toml",
                "exercises/my-layer/reference.py"} <= names
        assert not any(n.endswith((".pyc", ".nbi", ".nbc")) for n in names)
        assert (zf.getinfo("run_autograder").external_attr >> 16) & 0o111
        root = tmp_path / "autograder"
        zf.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        subprocess.run(["bash", "-n", root / "source" / script], check=True)
    (root / "submission").mkdir()
    shutil.copy(CORRECT, root / "submission" / "my_layer.py")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), KGEN_CMD=f"{sys.executable} -m kgen")
    subprocess.run(["bash", root / "source" / "run_autograder"], env=env, check=True,
                   timeout=120)
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == results["max_score"] > 0
    assert {t["status"] for t in results["tests"]} == {"passed"}


def test_lint_shipped_exercises():
    r = kgen("grader", "lint", "my-layer")
    assert r.exit_code == 0, r.output

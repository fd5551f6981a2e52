"""The sandbox's own guarantees: no pickle from the child, shared numba cache, entry files,
and watch mode re-grading on save."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest

from conftest import FIXTURES
from kgen.grader.sandbox import _child_env, _parse_events, cache_dir, find_entry
from kgen.grader.watch import watch


def test_arrays_from_the_child_are_never_unpickled(tmp_path):
    np.save(tmp_path / "call.evil.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)
    np.save(tmp_path / "call.y0.npy", np.ones(3, np.float32))
    events = [{"event": "start", "probe": "call"},
              {"event": "end", "probe": "call", "status": "ok", "data": {},
               "arrays": ["evil", "y0", "../../etc/passwd"]},
              "not an object", {"event": "done"}]
    (tmp_path / "events.jsonl").write_text(
        "\n".join(json.dumps(e) for e in events) + "\n{broken json\n")
    probes, running, done, _ = _parse_events(tmp_path)
    assert done and running is None
    assert set(probes["call"].arrays) == {"y0"}


def test_children_share_a_numba_cache_outside_the_sandbox():
    env = _child_env(cache_dir())
    assert env["NUMBA_CACHE_DIR"] == str(cache_dir() / "numba")
    assert env["NUMBA_NUM_THREADS"] == "1"
    assert "kgen-grade-" not in env["NUMBA_CACHE_DIR"]


def test_find_entry(tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    (one / "whatever.py").write_text("")
    assert find_entry(one, "my_layer.py").name == "whatever.py"
    many = tmp_path / "many"
    many.mkdir()
    for name in ("a.py", "b.py"):
        (many / name).write_text("")
    with pytest.raises(FileNotFoundError, match="Name it my_layer.py"):
        find_entry(many, "my_layer.py")
    (many / "my_layer.py").write_text("")
    assert find_entry(many, "my_layer.py").name == "my_layer.py"


def test_missing_file_in_folder_is_a_verdict_not_a_crash(graders, tmp_path):
    (tmp_path / "a.py").write_text("")
    (tmp_path / "b.py").write_text("")
    report = graders("my-layer").grade(tmp_path)
    assert report.score == 0 and "Name it my_layer.py" in report.checks[0].message


def test_watch_regrades_on_save(graders, tmp_path):
    target = tmp_path / "my_layer.py"
    target.write_text((FIXTURES / "failures" / "call_error.py").read_text())
    grader = graders("my-layer")
    shown = []
    saved = []

    def sleep(seconds):
        if len(shown) == 1 and not saved:  # the learner fixes the typo and saves
            target.write_text(target.read_text().replace("self.kernal", "self.kernel"))
            os.utime(target, ns=(time.time_ns(), time.time_ns() + 10**9))
            saved.append(True)

    last = watch(target, grader.grade, shown.append, max_rounds=2, sleep=sleep)
    assert [r.ok for r in shown] == [False, True]
    assert last is shown[-1]

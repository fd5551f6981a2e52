"""Shared fixtures for the grader tests: graders with tight limits, batch-graded fixtures.

Grading runs child processes, so the fixture submissions of a test module are graded
in one parallel batch per exercise (`grade_many`, 2 jobs) and the reports reused.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kgen.grader import Grader, grade_many, list_exercises, load_exercise
from kgen.grader.grade import grade_jobs

FIXTURES = Path(__file__).parent / "fixtures"
# Tight but safe limits: a normal submission needs ~0.5 s and ~450 MB of address space.
LIMITS = {"timeout": 8, "probe_timeout": 3, "memory_mb": 1024}
EXERCISE_IDS = [e.id for e in list_exercises()]


@pytest.fixture(scope="session")
def graders():
    cache = {}

    def get(exercise_id, extra=()):
        key = (exercise_id, tuple(map(str, extra)))
        if key not in cache:
            cache[key] = Grader(load_exercise(exercise_id, extra), **LIMITS)
        return cache[key]

    return get


def grade_all(jobs):
    """Grade (key, grader, path) jobs two at a time, across exercises, with fork servers."""
    reports = grade_jobs([(grader, path) for _, grader, path in jobs], jobs=2)
    return {key: r for (key, _, _), r in zip(jobs, reports)}


@pytest.fixture(scope="session")
def exercise_reports(graders):
    """{(exercise id, fixture stem): Report} for reference, starter and each fixture."""
    with ThreadPoolExecutor(max_workers=2) as pool:  # references first, in parallel
        list(pool.map(lambda i: graders(i).reference(), EXERCISE_IDS))
    jobs = []
    for ex_id in EXERCISE_IDS:
        ex = graders(ex_id).exercise
        paths = {"reference": ex.reference_path, "starter": ex.starter_path}
        for p in sorted((FIXTURES / "exercises").glob(f"{ex_id}_*.py")):
            paths[p.stem.split("_", 1)[1]] = p
        jobs += [((ex_id, name), graders(ex_id), path) for name, path in paths.items()]
    return grade_all(jobs)


@pytest.fixture(scope="session")
def failure_reports(graders):
    """{fixture stem: Report} for every failure-mode submission (exercise my-layer)."""
    paths = sorted((FIXTURES / "failures").glob("*.py"))
    reports = grade_many(graders("my-layer"), paths, jobs=2)
    return {p.stem: r for p, r in zip(paths, reports)}

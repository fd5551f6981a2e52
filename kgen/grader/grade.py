"""Grade one submission or a whole folder of them against an exercise's reference."""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from kgen.grader.checks import CHECK_PROBES, evaluate
from kgen.grader.report import ERROR, CheckResult, Report
from kgen.grader.sandbox import ForkServer, ForkServerError, find_entry, run_submission
from kgen.grader.spec import Exercise


class GraderError(RuntimeError):
    """The grader itself cannot grade (a broken exercise or kgen install), not the learner."""


class Grader:
    """Grades submissions for one exercise; runs the reference once and reuses it."""

    def __init__(self, exercise: Exercise, *, timeout=None, memory_mb=None, probe_timeout=None):
        self.exercise = exercise
        self.limits = {"timeout": timeout, "memory_mb": memory_mb, "probe_timeout": probe_timeout}
        self._refs: dict = {}
        self._lock = threading.Lock()

    def _probes_for(self, check):
        return None if check is None else CHECK_PROBES[self.exercise.kind][check]

    def reference(self, check=None):
        """The reference solution's probe facts (computed once per check selection)."""
        key = check or "*"
        with self._lock:
            if key not in self._refs and "*" in self._refs:
                key = "*"
            if key not in self._refs:
                ref = run_submission(self.exercise.reference_path, self.exercise,
                                     only=self._probes_for(check), **self.limits)
                first = "load"
                r = ref.probe(first)
                if ref.outcome != "done" or r is None or r.status != "ok":
                    detail = (r.error if r is not None and r.error else
                              {"message": ref.stderr.strip()[-800:] or ref.outcome})
                    raise GraderError(
                        f"the reference solution of exercise '{self.exercise.id}' did not run "
                        f"({ref.outcome}): {detail.get('type', '')} {detail.get('message', '')}")
                self._refs[key] = ref
            return self._refs[key]

    def grade(self, path, check=None, server=None) -> Report:
        """Grade the file or folder at `path` (all checks, or just `check`).

        `server`, a ForkServer, forks the child from a warm process (batch grading).
        """
        ex = self.exercise
        if check is not None and check not in {c.name for c in ex.checks}:
            raise GraderError(f"exercise '{ex.id}' has no check '{check}'. Its checks: "
                              f"{', '.join(c.name for c in ex.checks)}.")
        start = time.monotonic()
        # Run the reference alongside the first submission instead of before it.
        ref_box: dict = {}
        t = None
        if (check or "*") not in self._refs and "*" not in self._refs:
            def _ref():
                try:
                    ref_box["ref"] = self.reference(check)
                except BaseException as e:  # noqa: BLE001 - re-raised in the caller
                    ref_box["error"] = e

            t = threading.Thread(target=_ref, daemon=True)
            t.start()
        try:
            find_entry(Path(path), ex.filename)
        except FileNotFoundError as e:
            if t:
                t.join()
            return _no_submission(ex, path, str(e), time.monotonic() - start)
        sub = run_submission(path, ex, only=self._probes_for(check), server=server,
                             **self.limits)
        if t:
            t.join()
            if "error" in ref_box:
                raise ref_box["error"]
        ref = self.reference(check)
        checks = evaluate(ex, ref, sub, only=check)
        notes = list(sub.warnings)
        if sub.files_written:
            notes.append(f"your code wrote file(s) {', '.join(sub.files_written[:5])} in its "
                         f"sandbox folder; they were discarded.")
        for stream, total in (("stdout", sub.stdout_total), ("stderr", sub.stderr_total)):
            if total > 8 * 1024:
                notes.append(f"your code printed {total} characters to {stream}; only the "
                             f"start and end are kept.")
        return Report(exercise=ex.id, title=ex.title, submission=str(path), checks=checks,
                      elapsed=time.monotonic() - start, outcome=sub.outcome, notes=notes,
                      stdout=sub.stdout, stderr=sub.stderr)


def _no_submission(ex, path, message, elapsed):
    checks = [CheckResult(name=c.name, description=c.description, status=ERROR,
                          points=c.points, score=0 * c.points, required=c.required,
                          message=message if i == 0 else "not run: no file to grade.",
                          hint=f"Save your solution as {ex.filename}." if i == 0 else "")
              for i, c in enumerate(ex.checks)]
    return Report(exercise=ex.id, title=ex.title, submission=str(path), checks=checks,
                  elapsed=elapsed, outcome="no-submission")


def submissions_in(directory) -> list[Path]:
    """One submission per .py file or per sub-folder of `directory` (sorted)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise GraderError(f"{directory}: not a folder of submissions.")
    items = [p for p in sorted(directory.iterdir())
             if not p.name.startswith((".", "_")) and (p.is_dir() or p.suffix == ".py")]
    return items


def grade_many(grader: Grader, paths, jobs=2, on_done=None, fork_server=None) -> list[Report]:
    """Grade every path with `jobs` sandboxed children at a time; never stops on a failure.

    `on_done(report)` is called as each submission finishes (for a progress bar).
    Reports come back in the order of `paths`. On Linux the children are forked from
    warm fork servers (one per job slot) unless `fork_server=False`.
    """
    grader.reference()  # once, before the workers start (also warms the numba cache)
    return grade_jobs([(grader, p) for p in paths], jobs, on_done, fork_server)


def grade_jobs(pairs, jobs=2, on_done=None, fork_server=None) -> list[Report]:
    """grade_many for (grader, path) pairs that may belong to different exercises."""
    pairs = list(pairs)
    jobs = max(1, int(jobs))
    reports: list = [None] * len(pairs)
    use_servers = ForkServer.supported() if fork_server is None else bool(fork_server)
    pool: queue.SimpleQueue = queue.SimpleQueue()
    for _ in range(jobs):
        pool.put(None)  # a slot; its server starts on first use
    servers: list = []

    def one(i, grader, p):
        server = pool.get()
        try:
            if use_servers and (server is None or not server.alive()):
                try:
                    server = ForkServer()
                    servers.append(server)
                except (OSError, ForkServerError):
                    server = None
            try:
                return i, grader.grade(p, server=server)
            except ForkServerError:  # it died (a submission can kill it): a plain child
                server = None
                return i, grader.grade(p)
        except Exception as e:  # noqa: BLE001 - one submission never stops the batch
            return i, _no_submission(grader.exercise, p,
                                     f"the grader failed on this submission: {e}", 0.0)
        finally:
            pool.put(server)

    try:
        with ThreadPoolExecutor(max_workers=jobs) as executor:
            futures = [executor.submit(one, i, g, p) for i, (g, p) in enumerate(pairs)]
            for fut in as_completed(futures):
                i, report = fut.result()
                reports[i] = report
                if on_done:
                    on_done(report)
    finally:
        for server in servers:
            server.close()
    return reports

"""Run a submission (untrusted code) in a child process with limits; collect its facts.

The child is `python -m kgen.grader.worker` in a fresh temporary folder, in its own
process group (killed as a group), with closed stdin, captured and truncated
stdout/stderr, and the limits the worker sets on itself (memory, CPU, file size).
The parent reads back only JSON lines and `.npy` files loaded with
`allow_pickle=False`: nothing the child writes can run code in the grader.

Not isolated: the network and the rest of the file system (no namespaces or
containers; run batch grading as an unprivileged user, or on Gradescope's fleet).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import kgen

KGEN_ROOT = Path(kgen.__file__).resolve().parent.parent
OUTPUT_KEEP = 8 * 1024  # characters of stdout/stderr kept for the report
FSIZE_MB = 16
EVENTS_MAX = 16 * 1024 * 1024
_ARRAY_NAME = re.compile(r"^[A-Za-z0-9_]{1,40}$")


def cache_dir() -> Path:
    """Where the grader keeps its numba cache (shared by every sandboxed run)."""
    base = os.environ.get("KGEN_GRADER_CACHE")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "kgen" / "grader"


@dataclass
class ProbeResult:
    name: str
    status: str  # ok | error | timeout | unavailable | skipped | died
    data: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)
    error: dict | None = None
    reason: str | None = None


@dataclass
class RunResult:
    probes: dict
    outcome: str  # done | timeout | died | no-start
    running: str | None = None  # the probe in progress when the child stopped
    returncode: int | None = None
    signal: str | None = None
    elapsed: float = 0.0
    stdout: str = ""
    stderr: str = ""
    stdout_total: int = 0
    stderr_total: int = 0
    files_written: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    limits: dict = field(default_factory=dict)

    def probe(self, name) -> ProbeResult | None:
        return self.probes.get(name)


def find_entry(path: Path, filename: str) -> Path:
    """The .py file to load from a submission: the file itself, or the one in its folder."""
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder.")
    named = path / filename
    if named.is_file():
        return named
    py = sorted(p for p in path.glob("*.py") if not p.name.startswith("test_"))
    if len(py) == 1:
        return py[0]
    listing = ", ".join(p.name for p in py) or "no .py files"
    raise FileNotFoundError(
        f"{path}: cannot tell which file to grade ({listing}). Name it {filename}.")


def _read_capped(path: Path, keep=OUTPUT_KEEP) -> tuple[str, int]:
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(keep)
            if size > keep + 1024:
                f.seek(size - 1024)
                tail = f.read()
                text = (head.decode("utf-8", "replace")
                        + f"\n... [{size - keep - 1024} bytes cut] ...\n"
                        + tail.decode("utf-8", "replace"))
            else:
                text = (head + f.read()).decode("utf-8", "replace")
        return text, size
    except OSError:
        return "", 0


def _child_env(cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "NUMBA_CACHE", "KGEN_GRADER"))}
    env.update({
        "PYTHONPATH": str(KGEN_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "NUMBA_CACHE_DIR": str(cache / "numba"),
        # One thread per child: batches run children in parallel, and every thread
        # reserves virtual memory that counts against RLIMIT_AS.
        "NUMBA_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "NO_COLOR": "1",
        "KGEN_SANDBOX": "1",
    })
    return env


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _parse_events(out_dir: Path) -> tuple[dict, str | None, bool, list]:
    probes: dict = {}
    running = None
    done = False
    warnings = []
    path = out_dir / "events.jsonl"
    if not path.exists():
        return probes, running, done, warnings
    with open(path, "rb") as f:
        raw = f.read(EVENTS_MAX)
    for line in raw.decode("utf-8", "replace").splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if not isinstance(ev, dict):
            continue
        kind = ev.get("event")
        if kind == "start":
            running = str(ev.get("probe"))
        elif kind == "end":
            name = str(ev.get("probe"))
            arrays = {}
            for key in ev.get("arrays") or []:
                if not (isinstance(key, str) and _ARRAY_NAME.match(key) and _ARRAY_NAME.match(name)):
                    continue
                try:
                    arrays[key] = np.load(out_dir / f"{name}.{key}.npy", allow_pickle=False)
                except (OSError, ValueError):
                    pass
            data = ev.get("data") if isinstance(ev.get("data"), dict) else {}
            error = ev.get("error") if isinstance(ev.get("error"), dict) else None
            probes[name] = ProbeResult(name, str(ev.get("status")), data, arrays, error,
                                       ev.get("reason"))
            running = None
        elif kind == "warning":
            warnings.append(str(ev.get("message")))
        elif kind == "done":
            done = True
            probes["__done__"] = ProbeResult("__done__", "ok", ev)
    return probes, running, done, warnings


class ForkServerError(RuntimeError):
    """The fork server stopped answering (a submission can kill it); start another."""


class ForkServer:
    """A worker that imported numpy, numba and kgen once and forks one child per job.

    Batch grading uses one per job slot: each submission then skips the ~0.4 s of
    imports. Linux only (forking a process that loaded numpy/BLAS is unsafe on macOS).
    """

    def __init__(self):
        cache = cache_dir()
        (cache / "numba").mkdir(parents=True, exist_ok=True)
        self.home = Path(tempfile.mkdtemp(prefix="kgen-forkserver-"))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kgen.grader.worker", "--serve"], cwd=self.home,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(self.home / "stderr", "wb"), env=_child_env(cache),
            start_new_session=True)
        if self._read(60) != {"ready": True}:
            self.close()
            raise ForkServerError("the grader's fork server did not start: "
                               + _read_capped(self.home / "stderr")[0][-500:])

    @staticmethod
    def supported() -> bool:
        return sys.platform.startswith("linux") and hasattr(os, "fork")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read(self, timeout):
        import select

        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {}

    def run(self, job: dict, timeout: float) -> tuple[int | None, bool]:
        """(returncode like Popen's, timed out?) for one job."""
        self.proc.stdin.write((json.dumps(job) + "\n").encode())
        self.proc.stdin.flush()
        msg = self._read(30)
        if not msg or "pid" not in msg:
            raise ForkServerError("the grader's fork server stopped answering")
        pid = msg["pid"]
        msg = self._read(timeout)
        timed_out = msg is None
        try:
            os.killpg(pid, signal.SIGKILL)  # on timeout, and any process it left behind
        except (ProcessLookupError, PermissionError):
            pass
        if timed_out:
            msg = self._read(30)
        if not msg or "status" not in msg:
            raise ForkServerError("the grader's fork server stopped answering")
        return os.waitstatus_to_exitcode(msg["status"]), timed_out

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _kill_group(self.proc)
            self.proc.wait()
        shutil.rmtree(self.home, ignore_errors=True)


def run_submission(path, exercise, *, only=None, timeout=None, memory_mb=None,
                   probe_timeout=None, server: ForkServer | None = None) -> RunResult:
    """Run the probes of `exercise` on the submission at `path` in a sandboxed child.

    With `server`, the child is forked from that warm fork server instead of started
    as a new Python process.
    """
    timeout = float(timeout or exercise.timeout)
    # A probe's alarm fires well before the wall clock, so an endless loop costs only
    # the checks of that probe.
    probe_timeout = float(probe_timeout or min(exercise.probe_timeout, timeout / 2))
    memory_mb = int(memory_mb or exercise.memory_mb)
    entry = find_entry(Path(path), exercise.filename)
    cache = cache_dir()
    (cache / "numba").mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="kgen-grade-"))
    try:
        work, out, sub = tmp / "work", tmp / "out", tmp / "work" / "submission"
        out.mkdir()
        if Path(path).is_dir():
            shutil.copytree(path, sub, ignore=shutil.ignore_patterns("__pycache__", ".*"))
        else:
            sub.mkdir(parents=True)
            shutil.copy2(entry, sub / entry.name)
        target = sub / entry.relative_to(path) if Path(path).is_dir() else sub / entry.name
        before = {p for p in work.rglob("*")}
        limits = {"memory_mb": memory_mb, "cpu_s": int(timeout) + 5, "fsize_mb": FSIZE_MB}
        request = {"submission": str(target), "exercise": exercise.request(), "only": only,
                   "probe_timeout": probe_timeout, "limits": limits}
        req_path = tmp / "request.json"
        req_path.write_text(json.dumps(request), encoding="utf-8")
        start = time.monotonic()
        if server is not None:
            rc, timed_out = server.run({"request": str(req_path), "out": str(out),
                                        "cwd": str(work), "stdout": str(tmp / "stdout"),
                                        "stderr": str(tmp / "stderr")}, timeout)
        else:
            rc, timed_out = _popen_child(req_path, out, work, tmp, cache, timeout)
        elapsed = time.monotonic() - start
        probes, running, done, warnings = _parse_events(out)
        done_info = probes.pop("__done__", None)
        sig = signal.Signals(-rc).name if rc is not None and rc < 0 else None
        if timed_out:
            outcome = "timeout"
        elif done:
            outcome = "done"
        elif not probes and running is None:
            outcome = "no-start"
        else:
            outcome = "died"
        stdout, so_size = _read_capped(tmp / "stdout")
        stderr, se_size = _read_capped(tmp / "stderr")
        if done_info:
            so_size = max(so_size, int(done_info.data.get("stdout_total") or 0))
            se_size = max(se_size, int(done_info.data.get("stderr_total") or 0))
        written = sorted(str(p.relative_to(work)) for p in work.rglob("*")
                         if p not in before and p.is_file()
                         and "__pycache__" not in p.parts)[:20]
        return RunResult(probes=probes, outcome=outcome, running=running, returncode=rc,
                         signal=None if timed_out else sig, elapsed=elapsed,
                         stdout=stdout, stderr=stderr, stdout_total=so_size,
                         stderr_total=se_size, files_written=written, warnings=warnings,
                         limits={"timeout": timeout, "probe_timeout": probe_timeout,
                                 "memory_mb": memory_mb, "fsize_mb": FSIZE_MB})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _popen_child(req_path, out, work, tmp, cache, timeout):
    with open(tmp / "stdout", "wb") as so, open(tmp / "stderr", "wb") as se:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kgen.grader.worker", str(req_path), str(out)],
            cwd=work, stdin=subprocess.DEVNULL, stdout=so, stderr=se,
            env=_child_env(cache), start_new_session=True)
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_group(proc)  # also any process the submission started
            proc.wait()
    return proc.returncode, timed_out

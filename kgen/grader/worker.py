"""The sandboxed child: `python -m kgen.grader.worker REQUEST.json OUT_DIR`.

It limits itself (memory, CPU, file size, no core dumps) before importing anything
heavy, caps what the submission prints, then runs the probes one by one. Each probe
is announced (`start`) and reported (`end`) as a JSON line in OUT_DIR/events.jsonl
with its arrays as `.npy` files, so when the process dies or is killed the parent
still knows what passed and which probe was running.
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import sys
from pathlib import Path

OUTPUT_CAP = 64 * 1024  # characters of stdout/stderr kept per stream


class CappedStream(io.TextIOBase):
    """A text stream that passes the first `cap` characters through and counts the rest."""

    def __init__(self, stream, cap=OUTPUT_CAP):
        self._stream = stream
        self._cap = cap
        self.kept = 0
        self.total = 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        self.total += len(s)
        room = self._cap - self.kept
        if room > 0:
            part = s[:room]
            self.kept += len(part)
            try:
                self._stream.write(part)
            except OSError:
                self._cap = self.kept  # the file is full: keep counting, stop writing
        return len(s)

    def flush(self):
        try:
            self._stream.flush()
        except OSError:
            pass

    def isatty(self):
        return False

    @property
    def encoding(self):
        return "utf-8"


def apply_limits(limits: dict) -> None:
    mib = 1024 * 1024

    def lower(which, soft, hard=None):
        _, cur_hard = resource.getrlimit(which)
        hard = soft if hard is None else hard
        if cur_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, cur_hard), min(hard, cur_hard)
        resource.setrlimit(which, (soft, hard))

    lower(resource.RLIMIT_CORE, 0)
    if limits.get("memory_mb"):
        lower(resource.RLIMIT_AS, int(limits["memory_mb"]) * mib)
    if limits.get("cpu_s"):
        cpu = int(limits["cpu_s"])
        lower(resource.RLIMIT_CPU, cpu, cpu + 5)
    if limits.get("fsize_mb"):
        lower(resource.RLIMIT_FSIZE, int(limits["fsize_mb"]) * mib)
    # Writing past RLIMIT_FSIZE then raises OSError(EFBIG) instead of killing us.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


class Events:
    def __init__(self, out_dir: Path):
        self.out = out_dir
        self.file = open(out_dir / "events.jsonl", "a", encoding="utf-8", buffering=1)

    def emit(self, **event):
        self.file.write(json.dumps(event, default=repr) + "\n")
        self.file.flush()

    def save(self, probe, arrays):
        import numpy as np

        names = []
        for key, arr in arrays.items():
            fname = f"{probe}.{key}.npy"
            np.save(self.out / fname, np.asarray(arr), allow_pickle=False)
            names.append(key)
        return names


def run(request: dict, out_dir: Path) -> None:
    events = Events(out_dir)
    events.emit(event="hello", pid=os.getpid())

    from kgen.grader import probes as P

    # kgen itself (trusted) is imported before the submission, so `import keras`
    # (Keras-2 spelling) resolves to kgen and the import cost is not a probe's.
    try:
        import kgen.keras  # noqa: F401

        from kgen.keras import compat

        compat.install_keras_alias()
    except Exception as e:  # noqa: BLE001 - reported, then the probes fail visibly
        events.emit(event="warning", message=f"kgen.keras could not be imported: {e!r}")

    submission = Path(request["submission"])
    probes = P.Probes(request, submission)
    wanted = set(request.get("only") or probes.order())
    for name in list(wanted):  # add what the wanted probes depend on
        stack = [name]
        while stack:
            for dep in probes.requires(stack.pop()):
                if dep not in wanted:
                    wanted.add(dep)
                    stack.append(dep)
    usable: set[str] = set()
    stopped = None  # "timeout:<probe>" or "memory:<probe>": later probes are not attempted
    timeout = float(request.get("probe_timeout", 20))

    def on_alarm(signum, frame):
        raise P.ProbeTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    for name in probes.order():
        if name not in wanted:
            continue
        missing = [d for d in probes.requires(name) if d not in usable]
        if stopped or missing:
            events.emit(event="end", probe=name, status="skipped",
                        reason=stopped or f"needs:{missing[0]}")
            continue
        events.emit(event="start", probe=name)
        status, data, arrays, error = "ok", {}, {}, None
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            data, arrays = getattr(probes, "probe_" + name)()
        except P.ProbeTimeout:
            status = "timeout"
            stopped = f"timeout:{name}"
        except P.Unavailable as e:
            status, error = "unavailable", {"type": "Unavailable", "message": str(e)}
        except BaseException as e:  # noqa: BLE001 - everything the learner's code can raise
            status, error = "error", P.describe_error(e, submission)
            if isinstance(e, MemoryError):
                stopped = f"memory:{name}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            saved = events.save(name, arrays) if status == "ok" else []
        except Exception as e:  # noqa: BLE001 - e.g. a file too large
            status, saved = "error", []
            error = P.describe_error(e, None)
        if status == "ok" and data.get("usable", True) is not False:
            usable.add(name)
        if name == "class" and probes.target is None:
            usable.discard(name)
        if name == "function" and probes.target is None:
            usable.discard(name)
        if name == "build" and not data.get("is_model", False):
            usable.discard(name)
        events.emit(event="end", probe=name, status=status, data=data, arrays=saved, error=error)
    out, err = sys.stdout, sys.stderr
    events.emit(event="done",
                stdout_total=getattr(out, "total", 0), stderr_total=getattr(err, "total", 0))


def child(request_path: Path, out_dir: Path) -> None:
    """Grade one submission in this process, then leave (never returns)."""
    try:
        request = json.loads(request_path.read_text(encoding="utf-8"))
        apply_limits(request.get("limits", {}))
        sys.stdin = io.StringIO("")
        sys.stdout = CappedStream(sys.stdout)
        sys.stderr = CappedStream(sys.stderr)
        run(request, out_dir)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - nothing left to report to
                pass
        # Leave now: a submission's non-daemon threads or atexit hooks must not keep us alive.
        os._exit(0)


def serve() -> None:
    """The fork server of batch grading: import the heavy modules once, fork per job.

    Reads one JSON job per line on stdin ({request, out, cwd, stdout, stderr}); for each,
    forks a child in its own session that redirects 0/1/2 and runs `child`. Answers
    {"pid": ...} at once and {"status": ...} when the child has ended. Single-threaded,
    so forking is safe; the grader kills the child's process group on timeout.
    """
    import numpy  # noqa: F401 - the point: imported once, shared by every fork

    from kgen.grader import probes  # noqa: F401
    try:
        import kgen.keras  # noqa: F401
        from kgen.keras import compat

        compat.install_keras_alias()
    except Exception:  # noqa: BLE001 - each child reports the import problem itself
        pass
    control_in, control_out = sys.stdin.buffer, sys.stdout.buffer

    def answer(**msg):
        control_out.write((json.dumps(msg) + "\n").encode())
        control_out.flush()

    answer(ready=True)
    for line in control_in:
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                os.chdir(job["cwd"])
                null = os.open(os.devnull, os.O_RDONLY)
                out = os.open(job["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                err = os.open(job["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                for src, dst in ((null, 0), (out, 1), (err, 2)):
                    os.dup2(src, dst)
                    os.close(src)
                sys.stdin = io.StringIO("")
                sys.stdout = io.TextIOWrapper(os.fdopen(1, "wb", buffering=0), "utf-8",
                                              line_buffering=True)
                sys.stderr = io.TextIOWrapper(os.fdopen(2, "wb", buffering=0), "utf-8",
                                              line_buffering=True)
                child(Path(job["request"]), Path(job["out"]))
            finally:
                os._exit(70)
        answer(pid=pid)
        _, status = os.waitpid(pid, 0)
        answer(status=status)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--serve"]:
        serve()
        return
    child(Path(argv[0]), Path(argv[1]))


if __name__ == "__main__":
    main()

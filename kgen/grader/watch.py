"""`kgen check --watch`: re-grade each time the submission is saved (polls mtimes)."""

from __future__ import annotations

import time
from pathlib import Path


def snapshot(path) -> tuple:
    """(name, mtime, size) of the file, or of every .py file in the folder."""
    path = Path(path)
    files = [path] if path.is_file() else sorted(path.rglob("*.py")) if path.is_dir() else []
    out = []
    for f in files:
        try:
            st = f.stat()
            out.append((str(f), st.st_mtime_ns, st.st_size))
        except OSError:
            pass
    return tuple(out)


def watch(path, grade, show, *, interval=0.5, settle=0.2, max_rounds=None,
          sleep=time.sleep, waiting=None):
    """Call `show(grade(path))` now and after every save; stop after `max_rounds` gradings.

    `settle` waits until the file stops changing, so a half-written save is not graded.
    Returns the last report. Ctrl-C ends the loop (KeyboardInterrupt propagates).
    """
    last, rounds, report = None, 0, None
    while True:
        snap = snapshot(path)
        if snap != last:
            sleep(settle)
            again = snapshot(path)
            if again != snap:
                continue
            last = snap
            report = grade(path)
            show(report)
            rounds += 1
            if max_rounds is not None and rounds >= max_rounds:
                return report
            if waiting:
                waiting()
        sleep(interval)

"""The progress display of fit/evaluate: a rich bar per epoch, or one plain line.

- `verbose=1` in a terminal: a live bar (rich) with steps, time and the running metrics;
  when the epoch ends it is replaced by the epoch's one-line summary.
- `verbose=1` when output is not a terminal (a pipe, a CI log, `TERM=dumb`): no animation,
  one summary line per epoch, so logs stay readable.
- `verbose=2`: one plain line per epoch, always.

`NO_COLOR` is honoured (rich reads it). Numbers are shown as Keras shows them: 4 decimals,
or scientific notation below 1e-3.
"""

from __future__ import annotations

import os
import sys
import time


def format_value(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.4e}"


def format_logs(logs):
    return " - ".join(f"{k}: {format_value(v)}" for k, v in (logs or {}).items())


def _time_per_step(seconds, steps):
    if not steps:
        return ""
    per = seconds / steps
    if per >= 1:
        return f"{per:.0f}s/step"
    if per >= 1e-3:
        return f"{per * 1e3:.0f}ms/step"
    return f"{per * 1e6:.0f}us/step"


def _bar_char():
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower()
    return "━" if "utf" in encoding else "="


class Progbar:
    """Progress of one epoch (or one evaluate run) of `target` steps (None when unknown)."""

    def __init__(self, target, verbose=1, width=20):
        from rich.console import Console

        self.target = target
        self.verbose = verbose
        self.width = width
        self.console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
        self.interactive = (
            verbose == 1 and self.console.is_terminal and not self.console.is_dumb_terminal
            and os.environ.get("KGEN_PROGRESS", "") != "plain"
        )
        self._start = time.perf_counter()
        self._progress = None
        self._task = None
        self._seen = 0

    def _start_live(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        from rich.table import Column

        # The metrics column gives way (ellipsis) on a narrow terminal, never the bar. The live
        # bar is transient: when the epoch ends it is replaced by the plain summary line.
        metrics = TextColumn("{task.fields[metrics]}", table_column=Column(no_wrap=True, overflow="ellipsis", min_width=0))
        self._progress = Progress(
            MofNCompleteColumn(table_column=Column(no_wrap=True)), BarColumn(bar_width=self.width),
            TimeElapsedColumn(table_column=Column(no_wrap=True)), metrics, console=self.console, transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("", total=self.target, metrics="")

    def update(self, current, logs=None, finalize=False):
        """Show that `current` steps are done, with the running `logs`; `finalize` ends the line."""
        self._seen = current
        if self.verbose == 0:
            return
        if self.interactive:
            if finalize:
                if self._progress is not None:
                    self._progress.stop()
            else:
                if self._progress is None:
                    self._start_live()
                self._progress.update(self._task, completed=current, metrics=format_logs(logs))
                return
        if finalize:
            self.console.print(self.summary(current, logs), markup=False)

    def summary(self, current, logs):
        """The epoch's one-line summary: steps, (bar,) time, time per step, metrics."""
        elapsed = time.perf_counter() - self._start
        steps = f"{current}/{self.target}" if self.target else f"{current}"
        per_step = _time_per_step(elapsed, current)
        if self.verbose == 1:
            line = f"{steps} {_bar_char() * self.width} {int(elapsed)}s {per_step}".rstrip()
        else:
            line = " - ".join(p for p in (steps, f"{int(elapsed)}s", per_step) if p)
        metrics = format_logs(logs)
        return f"{line} - {metrics}" if metrics else line

"""How fast `kgen lesson 3` puts its first section on screen, with a cold and a warm numba cache.

Runs `python -m kgen lesson 3` in child processes, reading its output as it streams, and prints
for each run: the first line on screen, the first section complete (the heading of section 2
appears, so section 1's code has run and its output is shown), and the whole lesson.

- cold: a fresh, empty NUMBA_CACHE_DIR, so every kernel the lesson touches is compiled;
- warm: the same cache directory again, so kernels load from the cache (median of --repeat runs).

The target (issue 6) is the first section in under 1.5 s warm. Usage:

    python benchmarks/lesson_startup.py [--lesson 3] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

TARGET = 1.5


def run_once(lesson: int, env: dict) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "kgen", "lesson", str(lesson)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                            bufsize=1)
    first_line = first_section = None
    for line in proc.stdout:
        now = time.perf_counter() - start
        if first_line is None and line.strip():
            first_line = now
        if first_section is None and line.startswith(f"{lesson}.2 "):
            first_section = now
    proc.wait()
    total = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"kgen lesson {lesson} failed:\n{proc.stderr.read()}")
    return {"first line": first_line, "first section": first_section or total, "lesson": total}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kgen-bench-") as tmp:
        env = dict(os.environ, NO_COLOR="1", COLUMNS="80", NUMBA_CACHE_DIR=os.path.join(tmp, "numba"),
                   KGEN_DATA_DIR=os.path.join(tmp, "data"))
        cold = run_once(args.lesson, env)
        compiled = sum(name.endswith(".nbi") for _, _, files in os.walk(env["NUMBA_CACHE_DIR"])
                       for name in files)
        warm_runs = [run_once(args.lesson, env) for _ in range(args.repeat)]
    warm = {k: statistics.median(r[k] for r in warm_runs) for k in cold}

    print(f"kgen lesson {args.lesson}: seconds from start (warm = median of {args.repeat})")
    print(f"{'':14}{'first line':>12}{'first section':>15}{'whole lesson':>14}")
    for label, r in (("cold cache", cold), ("warm cache", warm)):
        print(f"{label:14}{r['first line']:12.2f}{r['first section']:15.2f}{r['lesson']:14.2f}")
    print(f"numba functions compiled (and cached) by the cold run: {compiled}")
    verdict = "meets" if warm["first section"] < TARGET else "MISSES"
    print(f"first section warm: {warm['first section']:.2f} s ({verdict} the {TARGET} s target)")


if __name__ == "__main__":
    main()

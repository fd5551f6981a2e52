"""`kgen grader export --gradescope ID -o autograder.zip`: a bundle Gradescope runs.

The zip holds kgen's source (installed by `setup.sh` with pip into a venv, so only
PyPI is needed for numpy/numba/typer/rich/jinja2), the exercise folder, and
`run_autograder`, which grades /autograder/submission into
/autograder/results/results.json. `setup.sh` also grades the reference once so the
numba cache is warm before the first student submits.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import kgen

SKIP_DIRS = {"__pycache__", ".pytest_cache", ".git"}
SKIP_SUFFIXES = {".pyc", ".pyo", ".nbi", ".nbc", ".so"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once while it builds the autograder image (as root).
set -euo pipefail
SRC="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
if ! python3 -m venv --help >/dev/null 2>&1 || ! command -v python3 >/dev/null; then
  apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv "$ROOT/venv" || {{ apt-get update && apt-get install -y python3-venv && python3 -m venv "$ROOT/venv"; }}
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install "$SRC/kgen_src"
"$ROOT/venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \\
  || "$ROOT/venv/bin/python" -m pip install tomli
# Warm numba's cache: students' runs then load compiled kernels instead of compiling.
"$ROOT/venv/bin/kgen" check "$SRC/exercises/{id}/reference.py" --exercise {id} \\
  --exercises "$SRC/exercises" --format json > /dev/null || true
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; the grade goes to results/results.json.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
KGEN_CMD="${{KGEN_CMD:-$ROOT/venv/bin/kgen}}"
mkdir -p "$ROOT/results"
$KGEN_CMD check "$ROOT/submission" --exercise {id} --exercises "$ROOT/source/exercises" \\
  --format gradescope --output "$ROOT/results/results.json"
if [ ! -s "$ROOT/results/results.json" ]; then
  cat > "$ROOT/results/results.json" <<'JSON'
{{"score": 0, "output": "The kgen autograder could not run; please tell your instructor."}}
JSON
fi
exit 0  # a low grade is in results.json; it is not an autograder failure
"""


def _add_tree(zf: zipfile.ZipFile, src: Path, arc: str) -> int:
    n = 0
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src)
        if any(part in SKIP_DIRS for part in rel.parts) or p.suffix in SKIP_SUFFIXES:
            continue
        if p.is_file():
            zf.write(p, f"{arc}/{rel.as_posix()}")
            n += 1
    return n


def _add_script(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


def export_gradescope(exercise, out_path) -> Path:
    """Write the Gradescope autograder zip for `exercise`; return its path."""
    root = Path(kgen.__file__).resolve().parent.parent
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_script(zf, "setup.sh", SETUP_SH.format(id=exercise.id))
        _add_script(zf, "run_autograder", RUN_AUTOGRADER.format(id=exercise.id))
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (root / name).is_file():
                zf.write(root / name, f"kgen_src/{name}")
        _add_tree(zf, root / "kgen", "kgen_src/kgen")
        _add_tree(zf, exercise.directory, f"exercises/{exercise.id}")
    return out_path

"""`kgen run` runs Keras 2 and Keras 3 scripts unchanged; `kgen --version`."""

import subprocess
import sys
import textwrap
from pathlib import Path

import kgen

ROOT = Path(__file__).resolve().parents[2]


def _kgen(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "kgen", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_version():
    result = _kgen("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"kgen {kgen.__version__}"


def test_run_the_readme_example():
    result = _kgen("run", str(ROOT / "examples" / "merge_add.py"))
    assert result.returncode == 0, result.stderr
    assert "Total params: 436" in result.stdout and "predict -> (3, 4)" in result.stdout


def test_run_keras2_script_unchanged(tmp_path):
    script = tmp_path / "old.py"
    script.write_text(textwrap.dedent('''
        import numpy as np
        import keras
        import keras.backend as K
        from keras.engine.topology import Layer
        from keras.layers import Input, Dense, Lambda, merge
        from keras.layers.merge import concatenate
        from keras.models import Model

        a = Input(shape=(4,))
        b = Input(shape=(4,))
        s = merge([a, b], mode='sum')
        c = concatenate([s, Lambda(lambda t: K.abs(t))(a)])
        m = Model(input=[a, b], output=Dense(2)(c))
        print("OUT", m.predict([np.ones((2, 4)), np.ones((2, 4))]).shape, keras.layers.merge.Add.__name__)
    '''))
    result = _kgen("run", str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OUT (2, 2) Add" in result.stdout


def test_run_passes_exit_codes_and_unknown_modules_are_explained(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sys\nsys.exit(3)\n")
    assert _kgen("run", str(bad)).returncode == 3
    missing = tmp_path / "missing.py"
    missing.write_text("import keras.applications\n")
    result = _kgen("run", str(missing))
    assert result.returncode != 0 and "kgen answers" in result.stderr

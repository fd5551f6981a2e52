"""Every template, generated over a grid of parameters, runs with `python file.py`; each
template's default script also runs with `kgen run file.py`."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kgen import templates
from kgen.cli import app
from kgen.lessons import describe_missing, missing_requirements

SPECS = {n: s for n, s in templates.load_specs().items() if s.kind == "script"}
SMALL_LSTM = {"vocab": 50, "seq_len": 6, "embed_dim": 4, "units": 4}
SMALL_IO = {"seq_len": 8, "vocab": 50, "embed_dim": 8, "lstm_units": 4, "samples": 8}

GRID = {
    "merge-model": (
        [{"op": op} for op in SPECS["merge-model"].params["op"].choices]
        + [{"op": op, "style": "function"} for op in SPECS["merge-model"].params["op"].choices]
        + [{"op": "dot", "normalize": True, "outputs": 1},
           {"input_a": 3, "input_b": 5, "units": 2, "outputs": 1}]),
    "lambda-slice": [{}, {"rows": 3, "cols": 1}, {"rows": 5, "cols": 4, "output_shape": False}],
    "antirectifier": [{"input_dim": 20, "hidden": 8},
                      {"style": "layer", "input_dim": 20, "hidden": 8, "classes": 3},
                      {"input_dim": 20, "hidden": 8, "epochs": 1}],
    "shared-siamese": (
        [{"merge": m, "features": 12, "units": 4}
         for m in SPECS["shared-siamese"].params["merge"].choices]
        + [{"encoder": "lstm", "timesteps": 5, "features": 3, "units": 4},
           {"features": 12, "units": 4, "epochs": 1}]),
    "multi-io": [dict(SMALL_IO, epochs=0), dict(SMALL_IO, epochs=1),
                 dict(SMALL_IO, epochs=1, form="dict", aux_weight=0.5)],
    "small-cnn": [{"size": 12, "filters": 4},
                  {"size": 12, "filters": 4, "padding": "same", "stride": 2},
                  {"size": 16, "channels": 3, "filters": 2, "kernel": 5, "epochs": 1}],
    "lstm-text": ([dict(SMALL_LSTM, cell=c) for c in SPECS["lstm-text"].params["cell"].choices]
                  + [dict(SMALL_LSTM, bidirectional=True), dict(SMALL_LSTM, epochs=1)]),
    "vae": [{"original_dim": 20, "intermediate": 8},
            {"original_dim": 20, "intermediate": 8, "epochs": 1}],
}


def _cases():
    for name, points in GRID.items():
        for i, params in enumerate(points):
            yield pytest.param(name, params, id=f"{name}-{i}")


def _script(tmp_path, name, params):
    missing = missing_requirements(templates.template_requirements(name, params))
    if missing:
        pytest.skip(describe_missing(missing))
    path = tmp_path / f"{name.replace('-', '_')}.py"
    path.write_text(templates.render_template(name, params), encoding="utf-8")
    return path


def _run(cmd, cwd):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="80")
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def test_every_template_is_in_the_grid():
    assert set(GRID) == set(SPECS)


@pytest.mark.parametrize("name,params", list(_cases()))
def test_generated_script_runs_with_python(tmp_path, name, params):
    path = _script(tmp_path, name, params)
    run = _run([sys.executable, path.name], tmp_path)
    assert run.returncode == 0, f"{path.read_text()}\n---\n{run.stderr}"
    assert "Total params" in run.stdout  # every script shows its summary
    assert "from kgen import keras" in path.read_text()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_default_script_runs_with_kgen_run(tmp_path, name):
    r = CliRunner().invoke(app, ["generate", name, "-o", str(tmp_path / "model.py")])
    assert r.exit_code == 0, r.output
    missing = missing_requirements(templates.template_requirements(name))
    if missing:
        assert "note: the script needs" in r.output  # generation warns, then we skip running
        pytest.skip(describe_missing(missing))
    run = _run([sys.executable, "-m", "kgen", "run", "model.py"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Total params" in run.stdout


@pytest.mark.parametrize("name", sorted(SPECS))
def test_generated_code_fits_80_columns_and_states_its_command(name):
    for params in [{}] + GRID[name]:
        text = templates.render_template(name, params)
        assert text.startswith("# ")
        assert "kgen generate " + name in text
        for line in text.splitlines():
            assert len(line) <= 76, line

"""`kgen new layer NAME`: a layer file and its test, which run as generated."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kgen import templates
from kgen.cli import app


def kgen(*args):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "80"})


def _run(cmd, cwd):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="80")
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.parametrize("name,weights", [
    ("MyLayer", "kernel,bias"),
    ("Projection", "kernel"),
    ("Affine3", "w,b,c"),
    ("Relu2", "none"),
])
def test_scaffold_and_its_test_run(tmp_path, name, weights):
    r = kgen("new", "layer", name, "--weights", weights, "--units", "3", "-o", str(tmp_path))
    assert r.exit_code == 0, r.output
    module = templates.snake_case(name)
    layer_file, test_file = tmp_path / f"{module}.py", tmp_path / f"test_{module}.py"
    assert layer_file.exists() and test_file.exists()
    text = layer_file.read_text()
    for method in ("def call", "def compute_output_shape", "def get_config"):
        assert method in text
    assert ("def build" in text) == (weights != "none")
    run = _run([sys.executable, layer_file.name], tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Total params" in run.stdout
    run = _run([sys.executable, test_file.name], tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("ok  test_") == 4


def test_scaffold_test_runs_under_pytest(tmp_path):
    assert kgen("new", "layer", "Scaled", "-o", str(tmp_path)).exit_code == 0
    run = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                "test_scaled.py"], tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 passed" in run.stdout


def test_scaffold_runs_with_kgen_run(tmp_path):
    assert kgen("new", "layer", "Gain", "-o", str(tmp_path)).exit_code == 0
    run = _run([sys.executable, "-m", "kgen", "run", "gain.py"], tmp_path)
    assert run.returncode == 0, run.stderr


def test_existing_files_are_not_overwritten(tmp_path):
    assert kgen("new", "layer", "MyLayer", "-o", str(tmp_path)).exit_code == 0
    r = kgen("new", "layer", "MyLayer", "-o", str(tmp_path))
    assert r.exit_code == 1 and "exists already" in r.output
    assert kgen("new", "layer", "MyLayer", "-o", str(tmp_path), "--force").exit_code == 0


@pytest.mark.parametrize("name,weights,message", [
    ("my_layer", "kernel", "a Python class name in CamelCase"),
    ("Class", "kernel", None),
    ("MyLayer", "kernel,2bad", "is not a Python identifier"),
    ("MyLayer", "w,w", "weight names must differ"),
])
def test_bad_names_are_explained(tmp_path, name, weights, message):
    r = kgen("new", "layer", name, "--weights", weights, "-o", str(tmp_path))
    if message is None:
        assert r.exit_code == 0
    else:
        assert r.exit_code == 2 and message in r.output

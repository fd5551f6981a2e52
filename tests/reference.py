"""Loading the Keras 3 reference cases (tests/reference/keras3) and building them with kgen."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).parent / "reference" / "keras3"
INDEX = json.loads((ROOT / "index.json").read_text())
CASES = INDEX["cases"]


def arrays(case):
    with np.load(ROOT / case["file"]) as data:
        return {k: data[k] for k in data.files}


def numbered(data, prefix):
    """data['w_0'], data['w_1'], ... in order."""
    out, i = [], 0
    while f"{prefix}{i}" in data:
        out.append(data[f"{prefix}{i}"])
        i += 1
    return out


def layer_classes(case):
    """Every layer class the case uses, nested models included."""
    out = []

    def walk(layers):
        for layer in layers:
            out.append(layer["class"])
            walk(layer.get("sublayers", []))

    walk(case["layers"])
    return out


def build(case):
    """Run the case's Keras code against kgen (one changed import line) and return the model."""
    from kgen import keras
    from kgen.keras import Input, Model, Sequential, layers, ops

    keras.backend.clear_session()
    namespace = {"keras": keras, "Input": Input, "Model": Model, "Sequential": Sequential, "layers": layers, "ops": ops}
    exec(case["code"], namespace)
    return namespace["build"]()

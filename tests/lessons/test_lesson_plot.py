"""plot_model (SVG always, PNG through graphviz) and the terminal's text tree."""

import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from kgen import keras
from kgen import plot


def merge_model():
    keras.backend.clear_session()
    a = keras.Input(shape=(16,))
    b = keras.Input(shape=(32,))
    x1 = keras.layers.Dense(8, activation="relu")(a)
    x2 = keras.layers.Dense(8, activation="relu")(b)
    out = keras.layers.Dense(4)(keras.layers.add([x1, x2]))
    return keras.Model([a, b], out)


def siamese():
    keras.backend.clear_session()
    a = keras.Input(shape=(10,))
    b = keras.Input(shape=(10,))
    shared = keras.layers.Dense(6, name="encoder")
    out = keras.layers.concatenate([shared(a), shared(b)])
    return keras.Model([a, b], out)


def test_svg_has_one_box_per_layer_and_one_arrow_per_connection(tmp_path):
    path = plot.plot_model(merge_model(), to_file=tmp_path / "m.svg", show_shapes=True)
    root = ET.parse(path).getroot()  # well-formed XML
    ns = {"s": "http://www.w3.org/2000/svg"}
    boxes = root.findall("s:g", ns)
    assert len(boxes) == 6
    assert len(root.findall("s:line", ns)) == 5
    text = path.read_text()
    assert "output: (None, 4)" in text and "input:  (None, 8)" in text


def test_shared_layer_is_one_box_with_two_inbound_edges(tmp_path):
    dot = plot.to_dot(siamese(), show_shapes=True)
    encoder_edges = [line for line in dot.splitlines() if "->" in line]
    assert len(encoder_edges) == 3  # two inputs -> encoder, encoder -> concatenate (once)
    assert dot.count("encoder (Dense)") == 1


def test_png_without_graphviz_writes_svg_and_warns(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.warns(UserWarning, match="graphviz `dot` is not installed"):
        path = plot.plot_model(merge_model(), to_file=tmp_path / "model.png")
    assert path.suffix == ".svg" and path.exists()
    assert not (tmp_path / "model.png").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` is not installed")
def test_png_with_graphviz(tmp_path):
    path = plot.plot_model(merge_model(), to_file=tmp_path / "model.png", show_shapes=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_keras_spellings_reach_the_same_function(tmp_path):
    model = merge_model()
    assert keras.utils.plot_model(model, to_file=str(tmp_path / "a.svg")).exists()
    from kgen.keras.compat import install_keras_alias

    install_keras_alias()
    from keras.utils.visualize_util import plot as old_plot  # Keras 1's name

    assert old_plot(model, to_file=str(tmp_path / "b.dot")).read_text().startswith("digraph")


def test_bad_rankdir_and_unbuilt_model_say_why(tmp_path):
    with pytest.raises(ValueError, match="rankdir"):
        plot.plot_model(merge_model(), to_file=tmp_path / "x.svg", rankdir="XY")
    with pytest.raises(ValueError, match="no graph to draw"):
        plot.text_tree(keras.Sequential([keras.layers.Dense(2)]))


def test_text_tree_reads_from_outputs_to_inputs():
    tree = plot.text_tree(merge_model())
    assert tree.splitlines()[1:] == [
        "dense_2 (Dense) → (None, 4)",
        "└── add (Add) → (None, 8)",
        "    ├── dense (Dense) → (None, 8)",
        "    │   └── input_layer (InputLayer) → (None, 16)",
        "    └── dense_1 (Dense) → (None, 8)",
        "        └── input_layer_1 (InputLayer) → (None, 32)",
    ]


def test_text_tree_marks_repeated_subgraphs_and_handles_sequential():
    keras.backend.clear_session()
    x = keras.Input(shape=(4,))
    h = keras.layers.Dense(4)(x)
    y = keras.layers.add([h, keras.layers.Dense(4)(h)])
    tree = plot.text_tree(keras.Model(x, y))
    assert "(see above)" in tree
    seq = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    assert "dense_2 (Dense) → (None, 2)" in plot.text_tree(seq) or "(Dense) → (None, 2)" in plot.text_tree(seq)
    seq.predict(np.ones((1, 3), dtype="float32"), verbose=0)

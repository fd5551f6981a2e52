"""model.save / load_model, save_weights / load_weights, JSON configs; clear errors for bad files."""

import json
import zipfile

import numpy as np
import pytest
from conftest import regression_data, small_mlp

from kgen import keras
from kgen.keras import Input, Model, Sequential, layers
from reference import CASES, arrays, build, numbered


def _same_weights(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


# ---------------------------------------------------------------- every reference architecture
@pytest.mark.parametrize("case", [c for c in CASES if "train" not in c], ids=lambda c: c["name"])
def test_save_and_load_every_reference_model(case, tmp_path):
    data = arrays(case)
    model = build(case)
    model.set_weights(numbered(data, "w_"))
    inputs = numbered(data, "in_")
    x = inputs if len(inputs) > 1 else inputs[0]
    path = tmp_path / "model.keras"
    uses_python_lambda = any(l["class"] == "Lambda" for l in case["layers"])
    if uses_python_lambda:
        with pytest.raises((ValueError, NotImplementedError, TypeError), match="Lambda|lambda"):
            model.save(path)
            keras.models.load_model(path)
        return
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert [v.path for v in loaded.weights] == [v.path for v in model.weights]
    _same_weights(loaded.get_weights(), model.get_weights())
    got, want = loaded.predict(x, verbose=0), model.predict(x, verbose=0)
    for g, w in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want]):
        np.testing.assert_array_equal(g, w)


# ---------------------------------------------------------------- training state
def test_load_model_restores_compile_settings_and_optimizer_state(tmp_path):
    x, y = regression_data()
    model = small_mlp()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is keras.optimizers.Adam
    assert loaded.optimizer.iterations == model.optimizer.iterations == 4
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    h1 = model.fit(x, y, epochs=2, shuffle=False, verbose=0).history
    h2 = loaded.fit(x, y, epochs=2, shuffle=False, verbose=0).history
    assert h1 == h2
    _same_weights(model.get_weights(), loaded.get_weights())
    assert not keras.models.load_model(tmp_path / "m.keras", compile=False).compiled


def test_sequential_without_input_layer_round_trips(tmp_path):
    model = Sequential([layers.Dense(8, activation="relu", input_shape=(4,)), layers.Dropout(0.3),
                        layers.BatchNormalization(), layers.Dense(2, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(10, 4)).astype("float32")
    model.save(str(tmp_path / "seq.keras"))
    loaded = keras.models.load_model(str(tmp_path / "seq.keras"))
    assert [type(l).__name__ for l in loaded.layers] == ["Dense", "Dropout", "BatchNormalization", "Dense"]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")

    def call(self, inputs):
        return inputs * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def _scale_model():
    inp = Input(shape=(3,))
    return Model(inp, layers.Dense(2)(Scale(3.0, name="scale")(inp)))


def test_custom_layers_need_custom_objects(tmp_path):
    model = _scale_model()
    path = tmp_path / "custom.keras"
    model.save(path)
    with pytest.raises(ValueError, match=r"Unknown layer: 'Scale'.*custom_objects=\{'Scale': Scale\}"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"Scale": Scale})
    assert loaded.get_layer("scale").factor == 3.0
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with keras.saving.custom_object_scope({"Scale": Scale}):
        assert keras.models.load_model(path).get_layer("scale").factor == 3.0


def test_registered_custom_layer_loads_without_custom_objects(tmp_path):
    @keras.saving.register_keras_serializable(package="kgen_tests")
    class Shift(layers.Layer):
        def call(self, inputs):
            return inputs + 1.0

    inp = Input(shape=(2,))
    model = Model(inp, Shift()(inp))
    model.save(tmp_path / "shift.keras")
    loaded = keras.models.load_model(tmp_path / "shift.keras")
    np.testing.assert_array_equal(loaded.predict(np.zeros((1, 2), "float32"), verbose=0), [[1.0, 1.0]])


def test_custom_loss_in_compile_config(tmp_path):
    def my_loss(y_true, y_pred):
        return keras.backend.mean(keras.backend.abs(y_pred - y_true), axis=-1)

    model = small_mlp()
    model.compile("sgd", my_loss)
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="my_loss.*custom_objects.*compile=False"):
        keras.models.load_model(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", custom_objects={"my_loss": my_loss})
    x, y = regression_data()
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))


# ---------------------------------------------------------------- weights files
def test_save_and_load_weights(tmp_path):
    model = small_mlp()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    assert path.exists() and not (tmp_path / "w.weights.h5.npz").exists()
    other = small_mlp()
    assert not np.array_equal(other.get_weights()[0], model.get_weights()[0])
    other.load_weights(path)
    _same_weights(other.get_weights(), model.get_weights())
    model.save(tmp_path / "full.keras")
    third = small_mlp()
    third.load_weights(tmp_path / "full.keras")  # weights can also come from a model file
    _same_weights(third.get_weights(), model.get_weights())
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save_weights(path, overwrite=False)


def test_loading_into_a_different_architecture_names_the_mismatch(tmp_path):
    small_mlp(hidden=8).save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match=r"weight 'hidden/kernel' has shape \(4, 16\).*shape \(4, 8\)"):
        small_mlp(hidden=16).load_weights(tmp_path / "w.h5")
    inp = Input(shape=(4,))
    with pytest.raises(ValueError, match="holds 4 weights, but model .* has 2.*different architecture"):
        Model(inp, layers.Dense(2)(inp)).load_weights(tmp_path / "w.h5")


def test_by_name_and_skip_mismatch(tmp_path):
    source = small_mlp(hidden=8)
    source.save_weights(tmp_path / "w.h5")
    target = small_mlp(hidden=8, outputs=3)
    with pytest.warns(UserWarning, match="Skipped"):
        target.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    _same_weights(target.get_layer("hidden").get_weights(), source.get_layer("hidden").get_weights())


def test_corrupt_and_foreign_files_give_clear_errors(tmp_path):
    model = small_mlp()
    garbage = tmp_path / "garbage.h5"
    garbage.write_bytes(b"this is not a weights file at all")
    with pytest.raises(ValueError, match="not a kgen model or weights file"):
        model.load_weights(garbage)
    hdf5 = tmp_path / "keras.h5"
    hdf5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    with pytest.raises(ValueError, match="HDF5"):
        model.load_weights(hdf5)
    with pytest.raises(ValueError, match="HDF5"):
        keras.models.load_model(hdf5)
    with pytest.raises(FileNotFoundError, match="No such file"):
        model.load_weights(tmp_path / "missing.h5")
    model.save(tmp_path / "good.keras")
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes((tmp_path / "good.keras").read_bytes()[:200])
    with pytest.raises(ValueError, match="corrupted"):
        keras.models.load_model(truncated)
    with pytest.raises(ValueError, match="corrupted"):
        model.load_weights(truncated)
    model.save_weights(tmp_path / "only.weights.h5")
    with pytest.raises(ValueError, match="not a model file.*load_weights"):
        keras.models.load_model(tmp_path / "only.weights.h5")


def test_edited_config_that_no_longer_matches_the_weights(tmp_path):
    small_mlp().save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        files = {n: z.read(n) for n in z.namelist()}
    config = json.loads(files["config.json"])
    config["model"]["config"]["layers"][1]["config"]["units"] = 5
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "edited.keras", "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    with pytest.raises(ValueError, match="inconsistent"):
        keras.models.load_model(tmp_path / "edited.keras")


# ---------------------------------------------------------------- configs
def test_to_json_and_model_from_json():
    model = small_mlp()
    text = model.to_json()
    config = json.loads(text)
    assert config["class_name"] == "Functional"
    assert [l["class_name"] for l in config["config"]["layers"]] == ["InputLayer", "Dense", "Dense"]
    rebuilt = keras.models.model_from_json(text)
    assert [l.name for l in rebuilt.layers] == [l.name for l in model.layers]
    assert [w.shape for w in rebuilt.get_weights()] == [w.shape for w in model.get_weights()]
    with pytest.raises(ValueError, match="not valid JSON"):
        keras.models.model_from_json("{nope")


def test_get_config_of_functional_lists_layers_and_calls():
    a, b = Input(shape=(3,), name="a"), Input(shape=(3,), name="b")
    shared = layers.Dense(2, name="shared")
    out = layers.add([shared(a), shared(b)], name="sum")
    model = Model([a, b], out)
    config = model.get_config()
    by_name = {l["name"]: l for l in config["layers"]}
    assert len(by_name["shared"]["inbound_nodes"]) == 2
    assert by_name["shared"]["inbound_nodes"][1]["args"] == [{"__keras_tensor__": ["b", 0, 0]}]
    assert config["input_layers"] == [{"__keras_tensor__": ["a", 0, 0]}, {"__keras_tensor__": ["b", 0, 0]}]
    clone = keras.models.clone_model(model)
    x = [np.ones((1, 3), "float32"), np.zeros((1, 3), "float32")]
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    assert clone.get_layer("shared") is not shared

"""The multi-input multi-output model of the functional-API guide: loss_weights, list and dict forms."""

import numpy as np
import pytest

from kgen import keras
from kgen.keras import Input, Model, layers
from reference import CASES, build

GUIDE_CASE = next(c for c in CASES if c["name"] == "multi_input_multi_output")
N = 12


def _bce(t, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p))))


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    headline = rng.integers(0, 50, size=(N, 10)).astype("int32")
    additional = rng.normal(size=(N, 5)).astype("float32")
    labels = rng.integers(0, 2, size=(N, 1)).astype("float32")
    return headline, additional, labels


def _guide_model():
    model = build(GUIDE_CASE)  # main_input -> Embedding -> LSTM -> aux_output; + aux_input -> ... -> main_output
    assert model.output_names == ["main_output", "aux_output"]
    assert model.input_names == ["main_input", "aux_input"]
    return model


def test_loss_weights_list_form(data):
    headline, additional, labels = data
    model = _guide_model()
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.0), loss="binary_crossentropy",
                  loss_weights=[1.0, 0.2])
    main, aux = model.predict([headline, additional], verbose=0)
    history = model.fit([headline, additional], [labels, labels], epochs=1, batch_size=N, verbose=0)
    logs = {k: v[0] for k, v in history.history.items()}
    assert list(logs) == ["loss", "main_output_loss", "aux_output_loss"]
    assert logs["main_output_loss"] == pytest.approx(_bce(labels, main), rel=1e-5)
    assert logs["aux_output_loss"] == pytest.approx(_bce(labels, aux), rel=1e-5)
    assert logs["loss"] == pytest.approx(_bce(labels, main) + 0.2 * _bce(labels, aux), rel=1e-5)


def test_dict_form_trains_exactly_like_the_list_form(data):
    headline, additional, labels = data
    results = []
    for form in ("list", "dict"):
        model = _guide_model()
        model.set_weights([np.full_like(w, 0.05) + 0.01 * np.arange(w.size).reshape(w.shape) % 0.1
                           for w in model.get_weights()])
        if form == "list":
            model.compile(optimizer="rmsprop", loss="binary_crossentropy", loss_weights=[1.0, 0.2])
            history = model.fit([headline, additional], [labels, labels], epochs=3, batch_size=4, shuffle=False,
                                verbose=0)
        else:
            model.compile(optimizer="rmsprop",
                          loss={"main_output": "binary_crossentropy", "aux_output": "binary_crossentropy"},
                          loss_weights={"main_output": 1.0, "aux_output": 0.2})
            history = model.fit({"main_input": headline, "aux_input": additional},
                                {"main_output": labels, "aux_output": labels}, epochs=3, batch_size=4, shuffle=False,
                                verbose=0)
        results.append((history.history, model.get_weights()))
    (h_list, w_list), (h_dict, w_dict) = results
    assert h_list == h_dict
    for a, b in zip(w_list, w_dict):
        np.testing.assert_array_equal(a, b)
    assert h_list["loss"][-1] < h_list["loss"][0]


def test_metrics_per_output_are_prefixed(data):
    headline, additional, labels = data
    model = _guide_model()
    model.compile("rmsprop", "binary_crossentropy", metrics=["accuracy"])
    logs = model.evaluate([headline, additional], [labels, labels], verbose=0, return_dict=True)
    assert list(logs) == ["loss", "main_output_accuracy", "aux_output_accuracy", "main_output_loss", "aux_output_loss"]
    model.compile("rmsprop", "binary_crossentropy", metrics={"aux_output": ["accuracy", "mse"]})
    logs = model.evaluate([headline, additional], [labels, labels], verbose=0, return_dict=True)
    assert list(logs) == ["loss", "aux_output_accuracy", "aux_output_mse", "main_output_loss", "aux_output_loss"]
    _, aux = model.predict([headline, additional], verbose=0)
    assert logs["aux_output_mse"] == pytest.approx(float(np.mean((aux - labels) ** 2)), rel=1e-5)


def test_a_loss_for_one_output_only(data):
    headline, additional, labels = data
    model = _guide_model()
    model.compile("rmsprop", loss={"main_output": "binary_crossentropy"})
    main, _ = model.predict([headline, additional], verbose=0)
    loss = model.evaluate({"main_input": headline, "aux_input": additional}, {"main_output": labels}, verbose=0)
    assert loss == pytest.approx(_bce(labels, main), rel=1e-5)


def test_clear_errors_for_mismatched_structures(data):
    headline, additional, labels = data
    model = _guide_model()
    with pytest.raises(ValueError, match=r"keys \['main'\] do not correspond.*\['main_output', 'aux_output'\]"):
        model.compile("rmsprop", loss={"main": "mse"})
        model.fit([headline, additional], [labels, labels], verbose=0)
    model.compile("rmsprop", loss="mse")
    with pytest.raises(ValueError, match="has 2 outputs"):
        model.fit([headline, additional], labels, verbose=0)
    with pytest.raises(ValueError, match="do not match any output"):
        model.fit([headline, additional], {"main_outpt": labels}, verbose=0)
    with pytest.raises(ValueError, match="loss_weights.*2 entries"):
        model.compile("rmsprop", "mse", loss_weights=[1.0])
        model.fit([headline, additional], [labels, labels], verbose=0)


def test_keras3_guide_model_with_dict_outputs():
    """keras.io functional-API guide: title/body/tags in, priority/department out (dict outputs)."""
    num_tags, num_words, num_departments = 6, 50, 4
    title_input = Input(shape=(None,), name="title", dtype="int32")
    body_input = Input(shape=(None,), name="body", dtype="int32")
    tags_input = Input(shape=(num_tags,), name="tags")
    title_features = layers.LSTM(8)(layers.Embedding(num_words, 8)(title_input))
    body_features = layers.LSTM(4)(layers.Embedding(num_words, 8)(body_input))
    x = layers.concatenate([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    model = Model(inputs=[title_input, body_input, tags_input],
                  outputs={"priority": priority_pred, "department": department_pred})
    rng = np.random.default_rng(0)
    inputs = {"title": rng.integers(0, num_words, size=(16, 5)), "body": rng.integers(0, num_words, size=(16, 7)),
              "tags": rng.integers(0, 2, size=(16, num_tags)).astype("float32")}
    targets = {"priority": rng.random(size=(16, 1)).astype("float32"),
               "department": np.eye(num_departments, dtype="float32")[rng.integers(0, num_departments, 16)]}
    start = model.get_weights()
    histories = []
    for loss, weights in [
        ([keras.losses.BinaryCrossentropy(from_logits=True), keras.losses.CategoricalCrossentropy(from_logits=True)],
         [1.0, 0.2]),
        ({"priority": keras.losses.BinaryCrossentropy(from_logits=True),
          "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
         {"priority": 1.0, "department": 0.2}),
    ]:
        model.set_weights(start)
        model.compile(optimizer=keras.optimizers.RMSprop(1e-2), loss=loss, loss_weights=weights)
        histories.append(model.fit(inputs, targets, epochs=3, batch_size=8, shuffle=False, verbose=0).history)
    assert histories[0] == histories[1]
    assert list(histories[0]) == ["loss", "priority_loss", "department_loss"]
    assert histories[0]["loss"][-1] < histories[0]["loss"][0]
    np.testing.assert_allclose(np.array(histories[0]["priority_loss"]) + 0.2 * np.array(histories[0]["department_loss"]),
                               histories[0]["loss"], rtol=1e-5)

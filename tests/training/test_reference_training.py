"""Every training case of the Keras 3 reference data: fit exactly as Keras did, compare step by step.

Each case is one full-batch step per epoch, so weights after epoch k are the weights after
k optimizer steps. Weights after epochs 1 and 5 and the loss history must match Keras within
1e-4 relative; `loss[k-1]` is computed at the weights before step k.
"""

import numpy as np
import pytest

from reference import CASES, arrays, build, numbered

TRAIN_CASES = [c for c in CASES if "train" in c]
RTOL = 1e-4
ATOL = 1e-6


def test_there_are_training_cases():
    assert len(TRAIN_CASES) >= 4


def _fit_one_epoch_at_a_time(case, data):
    from kgen import keras

    model = build(case)
    model.set_weights(numbered(data, "w_"))
    train = case["train"]
    compile_call, fit_call = [part.strip() for part in train["call"].split(";")]
    namespace = {"keras": keras, "model": model, "in_0": data["in_0"], "y_0": data["y_0"]}
    exec(compile_call, namespace)
    assert fit_call.startswith("model.fit(") and f"epochs={train['epochs']}" in fit_call
    per_epoch = fit_call.replace(f"epochs={train['epochs']}", "epochs=1")[:-1] + ", verbose=0)"
    weights, losses = [], []
    for _ in range(train["epochs"]):
        exec(f"history = {per_epoch}", namespace)
        losses.extend(namespace["history"].history["loss"])
        weights.append(model.get_weights())
    return model, weights, losses


@pytest.mark.parametrize("case", TRAIN_CASES, ids=[c["name"] for c in TRAIN_CASES])
def test_training_matches_keras(case):
    data = arrays(case)
    model, weights, losses = _fit_one_epoch_at_a_time(case, data)
    for epoch in (1, 5):
        expected = numbered(data, f"e{epoch}_w_")
        assert len(weights[epoch - 1]) == len(expected)
        for got, want, info in zip(weights[epoch - 1], expected, case["weights"]):
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"{info['path']} after epoch {epoch}")
    np.testing.assert_allclose(losses, data["loss"], rtol=RTOL)
    np.testing.assert_allclose(model.predict(data["in_0"], verbose=0), data["final_out_0"], rtol=RTOL, atol=1e-5)


@pytest.mark.parametrize("case", TRAIN_CASES, ids=[c["name"] for c in TRAIN_CASES])
def test_fit_call_as_written(case):
    """The case's exact call (5 epochs in one fit) gives the same history and final weights."""
    from kgen import keras

    data = arrays(case)
    model = build(case)
    model.set_weights(numbered(data, "w_"))
    namespace = {"keras": keras, "model": model, "in_0": data["in_0"], "y_0": data["y_0"]}
    exec(case["train"]["call"].replace("model.fit(", "history = model.fit(")[:-1] + ", verbose=0)", namespace)
    history = namespace["history"]
    assert history.epoch == list(range(case["train"]["epochs"]))
    np.testing.assert_allclose(history.history["loss"], data["loss"], rtol=RTOL)
    for got, want in zip(model.get_weights(), numbered(data, f"e{case['train']['epochs']}_w_")):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    assert model.optimizer.iterations == case["train"]["epochs"]

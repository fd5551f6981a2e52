"""The Layer contract: build/call/compute_output_shape/add_weight/weights/config, Keras-2 style too."""

import numpy as np
import pytest

from kgen import keras
from kgen.keras import backend as K
from kgen.keras import layers


class MyLayer(layers.Layer):
    """The tutorial's layer, written exactly as the Keras 2 article does."""

    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super(MyLayer, self).__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[1], self.output_dim),
                                      initializer="uniform", trainable=True)
        super(MyLayer, self).build(input_shape)

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim}


def test_tutorial_layer_builds_weights_and_computes_x_dot_kernel():
    x = keras.Input(shape=(5,))
    layer = MyLayer(3)
    y = layer(x)
    assert y.shape == (None, 3)
    assert [(w.name, w.shape, w.trainable) for w in layer.weights] == [("kernel", (5, 3), True)]
    assert np.all(np.abs(layer.get_weights()[0]) <= 0.05)  # Keras 2 'uniform' is U(-0.05, 0.05)
    model = keras.Model(x, y)
    data = np.random.default_rng(1).normal(size=(4, 5)).astype("float32")
    np.testing.assert_allclose(model.predict(data), data @ layer.get_weights()[0], rtol=1e-6, atol=1e-6)


def test_eager_call_on_numpy_builds_and_returns_a_tensor():
    layer = layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")
    out = layer(np.ones((3, 4), "float32"))
    assert out.shape == (3, 2)
    np.testing.assert_array_equal(np.asarray(out), np.full((3, 2), 4.0))


def test_config_round_trip_rebuilds_an_equal_layer():
    layer = MyLayer(7, name="mine")
    clone = MyLayer.from_config(layer.get_config())
    assert clone.output_dim == 7 and clone.name == "mine"
    dense = layers.Dense(4, activation="relu", use_bias=False)
    again = layers.Dense.from_config(dense.get_config())
    assert (again.units, again.use_bias, again.get_config()["activation"]) == (4, False, "relu")


def test_auto_config_for_simple_init_arguments_and_clear_error_otherwise():
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

    assert Scale(3.0).get_config()["factor"] == 3.0

    class Holder(layers.Layer):
        def __init__(self, thing, **kwargs):
            super().__init__(**kwargs)
            self.thing = thing

    with pytest.raises(NotImplementedError, match="get_config"):
        Holder(object()).get_config()


def test_set_weights_checks_count_and_shapes_with_the_layer_name():
    layer = layers.Dense(3, name="head")
    layer(np.ones((1, 2), "float32"))
    with pytest.raises(ValueError, match=r"head.*\(2, 3\).*\(3, 2\)"):
        layer.set_weights([np.zeros((3, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match="length 1.*expecting 2"):
        layer.set_weights([np.zeros((2, 3))])


def test_weights_lists_trainable_before_non_trainable_and_count_params():
    class Mixed(layers.Layer):
        def build(self, input_shape):
            self.stat = self.add_weight(shape=(2,), initializer="zeros", trainable=False, name="stat")
            self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

        def call(self, x):
            return K.dot(x, self.w) + self.stat

    layer = Mixed()
    layer(np.ones((1, 3), "float32"))
    assert [w.name for w in layer.weights] == ["w", "stat"]
    assert [w.name for w in layer.trainable_weights] == ["w"]
    assert [w.name for w in layer.non_trainable_weights] == ["stat"]
    assert layer.count_params() == 8
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2


def test_keras2_positional_add_weight_and_keras3_style():
    class Old(layers.Layer):
        def build(self, input_shape):
            self.k = self.add_weight("k", (input_shape[-1], 2))

    class New(layers.Layer):
        def build(self, input_shape):
            self.k = self.add_weight((input_shape[-1], 2), "zeros", name="k")

    for cls in (Old, New):
        layer = cls()
        layer.build((None, 5))
        assert layer.weights[0].name == "k" and layer.weights[0].shape == (5, 2)


def test_forgetting_super_init_is_explained():
    class Broken(layers.Layer):
        def __init__(self):
            self.units = 3

    with pytest.raises(RuntimeError, match=r"super\(\).__init__"):
        Broken()(np.ones((1, 2), "float32"))


def test_layer_without_compute_output_shape_gets_it_by_tracing():
    class Twice(layers.Layer):
        def call(self, x):
            return K.concatenate([x, x], axis=-1)

    x = keras.Input(shape=(3, 4))
    assert Twice()(x).shape == (None, 3, 8)
    assert Twice().compute_output_shape((None, 2, 5)) == (None, 2, 10)


def test_wrong_input_size_after_build_names_layer_expected_and_received():
    dense = layers.Dense(4, name="proj")
    dense(keras.Input(shape=(8,)))
    with pytest.raises(ValueError, match=r'"proj".*axis -1.*value 8.*\(None, 6\)'):
        dense(keras.Input(shape=(6,)))


def test_wrong_rank_names_the_layer_and_the_fix():
    with pytest.raises(ValueError, match=r"permute.*expected ndim=3, found ndim=2"):
        layers.Permute((2, 1))(keras.Input(shape=(4,)))


def test_activity_regularizer_adds_its_loss_on_each_call():
    layer = layers.Dense(2, kernel_initializer="ones", activity_regularizer=lambda y: 0.5 * K.sum(K.square(y)))
    x = np.ones((3, 4), "float32")
    y = np.asarray(layer(x))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(np.asarray(layer.losses[0])), 0.5 * (y**2).sum(), rtol=1e-6)


def test_seeded_dropout_draws_new_masks_on_each_call():
    layer = layers.Dropout(0.5, seed=3)
    x = np.ones((1, 64), "float32")
    first, second = (np.asarray(layer(x, training=True)) for _ in range(2))
    assert set(np.unique(first)) <= {0.0, 2.0} and not np.array_equal(first, second)
    again = layers.Dropout(0.5, seed=3)
    np.testing.assert_array_equal(np.asarray(again(x, training=True)), first)


def test_explicit_mask_is_not_forwarded_to_a_call_without_mask():
    out = layers.Flatten()(np.ones((2, 3, 4), "float32"), mask=np.ones((2, 3), bool))
    assert out.shape == (2, 12)


def test_string_regularizers_and_constraints_become_objects_and_add_losses():
    layer = layers.Dense(2, kernel_initializer="ones", kernel_regularizer="l2", kernel_constraint="non_neg")
    layer.build((None, 3))
    (penalty,) = layer.losses
    np.testing.assert_allclose(float(np.asarray(penalty)), 0.01 * 6, rtol=1e-6)  # Keras' L2 default is 0.01
    assert callable(layer.kernel.constraint)


def test_keras2_add_loss_with_inputs_and_variable_assign_add():
    layer = layers.Layer()
    layer.add_loss(np.float32(2.0), inputs=None)
    assert layer.losses == [np.float32(2.0)]
    v = keras.Variable(np.ones(2))
    v.assign_add(np.ones(2))
    v.assign_sub(np.full(2, 0.5))
    np.testing.assert_array_equal(v.numpy(), [1.5, 1.5])

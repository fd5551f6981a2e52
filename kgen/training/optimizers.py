"""Optimizers with Keras 3's update rules and defaults (`keras/src/optimizers/*.py`).

An optimizer turns gradients into weight updates: `optimizer.apply_gradients(zip(grads, vars))`.
Each one keeps per-weight state ("slots", zero-initialised) and updates weights in place with
`Variable.assign`-like writes. One step, in Keras' order:

1. clip the gradients (`clipnorm`, else `global_clipnorm`, else `clipvalue`);
2. decoupled weight decay, when `weight_decay` is set: `w -= w * weight_decay * lr`;
3. the optimizer's own `update_step(gradient, variable, lr)`;
4. `iterations += 1`, then each weight's `constraint` is applied.

Arithmetic runs in the weight's dtype (float32), with the hyperparameters cast to it, so the
numbers follow Keras to float32 rounding. The Keras 2 arguments `lr=` and `decay=` are
accepted (with a note), `decay` meaning `lr / (1 + decay * iterations)` as in Keras 2.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from kgen.engine.tensor import Variable, as_array


class LearningRateSchedule:
    """A learning rate as a function of the step: subclass and write `__call__(step)`."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored when `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (floored when `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1 + self.decay_rate * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[i]` while `step <= boundaries[i]` (and `values[-1]` after the last boundary)."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                f"PiecewiseConstantDecay needs one more value than boundaries; received "
                f"{len(boundaries)} boundaries and {len(values)} values."
            )
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class Optimizer:
    """Base class. Subclasses write `build(var_list)` (create slots) and `update_step(g, v, lr)`."""

    _KERAS2_KWARGS = ("lr", "decay")

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        unknown = set(kwargs) - set(self._KERAS2_KWARGS)
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword arguments {sorted(unknown)}. "
                "Check the spelling against the optimizer's documented arguments."
            )
        if "lr" in kwargs:
            warnings.warn(
                f"{type(self).__name__}: `lr` is the Keras 2 name of `learning_rate`; use "
                "learning_rate=... (kgen accepts lr= for the classic tutorials).", stacklevel=3
            )
            learning_rate = kwargs.pop("lr")
        self.decay = float(kwargs.pop("decay", 0.0) or 0.0)
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError(
                "Only one of `clipnorm` and `global_clipnorm` can be set. Received: "
                f"clipnorm={clipnorm}, global_clipnorm={global_clipnorm}."
            )
        if use_ema:
            raise NotImplementedError("use_ema=True (exponential moving average of weights) is not supported by kgen.")
        if gradient_accumulation_steps:
            raise NotImplementedError("gradient_accumulation_steps is not supported by kgen; use a larger batch_size.")
        self.name = name or type(self).__name__.lower()
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._iterations = 0
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._schedule = learning_rate
            self._learning_rate = Variable(np.float32(0.0), name="learning_rate", trainable=False)
        else:
            self._schedule = None
            self._learning_rate = Variable(np.float32(learning_rate), name="learning_rate", trainable=False)
        self._var_index = {}
        self._slots = {}
        self._slot_names = []
        self.built = False

    # ------------------------------------------------------------- hyperparameters
    @property
    def iterations(self):
        """How many update steps have been applied."""
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations = int(value)

    @property
    def learning_rate(self):
        """The learning rate as a scalar Variable (K.set_value/K.get_value work on it)."""
        if self._schedule is not None:
            self._learning_rate.assign(np.float32(self._current_schedule_value()))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or (callable(value) and not isinstance(value, Variable)):
            self._schedule = value
            return
        if self._schedule is not None and isinstance(self._schedule, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a LearningRateSchedule as its learning_rate, so the "
                "learning rate is not settable. Create it with a float learning_rate instead."
            )
        self._learning_rate.assign(np.float32(as_array(value)))

    lr = learning_rate  # Keras 2 name

    def _current_schedule_value(self):
        if isinstance(self._schedule, LearningRateSchedule):
            return float(as_array(self._schedule(self._iterations)))
        return float(as_array(self._schedule()))

    def _current_learning_rate(self):
        lr = self._current_schedule_value() if self._schedule is not None else float(self._learning_rate.data)
        if self.decay:
            lr = lr * (1.0 / (1.0 + self.decay * self._iterations))
        return lr

    # ------------------------------------------------------------- slots
    def build(self, var_list):
        """Create the optimizer's state for `var_list` (called on the first update)."""
        for v in var_list:
            if id(v) not in self._var_index:
                self._var_index[id(v)] = len(self._var_index)
                for name in self._slot_names:
                    self._slots[name].append(self._new_slot(v, name))
        self.built = True

    def add_slot(self, name, initial_value=0.0):
        """Declare a per-weight state array called `name` (call in `__init__`)."""
        self._slot_names.append(name)
        self._slots[name] = []
        setattr(self, f"_init_{name}", initial_value)

    def _new_slot(self, variable, name):
        value = np.full(variable.shape, getattr(self, f"_init_{name}"), dtype=variable.dtype)
        return Variable(value, name=f"{variable.path.replace('/', '_')}_{name}", trainable=False, dtype=variable.dtype)

    def slot(self, variable, name):
        return self._slots[name][self._var_index[id(variable)]].data

    def _set_slot(self, variable, name, value):
        self._slots[name][self._var_index[id(variable)]].data = value

    @property
    def variables(self):
        """Optimizer state in a fixed order: iterations, then each slot for each weight."""
        out = [Variable(np.int64(self._iterations), name="iteration", trainable=False, dtype="int64")]
        for name in self._slot_names:
            out.extend(self._slots[name])
        return out

    def get_weights(self):
        return [np.array(v.data, copy=True) for v in self.variables]

    def set_weights(self, weights):
        own = self.variables
        if len(weights) != len(own):
            raise ValueError(
                f"Optimizer '{self.name}' has {len(own)} state arrays (built: {self.built}); received "
                f"{len(weights)}. Build it first with optimizer.build(model.trainable_weights)."
            )
        for v, w in zip(own[1:], weights[1:]):
            if tuple(np.shape(w)) != tuple(v.shape):
                raise ValueError(f"Optimizer state '{v.name}' has shape {v.shape}; received {np.shape(w)}.")
            v.assign(w)
        self._iterations = int(np.asarray(weights[0]))

    # ------------------------------------------------------------- applying
    def apply_gradients(self, grads_and_vars):
        """Apply one update: `grads_and_vars` is an iterable of (gradient, variable) pairs."""
        pairs = list(grads_and_vars)
        return self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads, trainable_variables):
        pairs = [(as_array(g), v) for g, v in zip(grads, trainable_variables) if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        variables = [v for _, v in pairs]
        self.build(variables)
        grads = [g.astype(v.dtype, copy=False) for g, v in pairs]
        if self.loss_scale_factor is not None:
            grads = [g / v.dtype.type(self.loss_scale_factor) for g, v in zip(grads, variables)]
        grads = self._clip_gradients(grads)
        lr = self._current_learning_rate()
        if self.weight_decay is not None:
            for v in variables:
                dt = v.dtype.type
                v.data = v.data - v.data * dt(self.weight_decay) * dt(lr)
        for g, v in zip(grads, variables):
            self.update_step(g, v, v.dtype.type(lr))
        self._iterations += 1
        for v in variables:
            if v.constraint is not None:
                v.assign(as_array(v.constraint(v)))
        return self._iterations

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            out = []
            for g in grads:
                norm = np.sqrt(np.sum(np.square(g)))
                out.append((g * g.dtype.type(self.clipnorm) / np.maximum(norm, g.dtype.type(self.clipnorm))).astype(g.dtype))
            return out
        if self.global_clipnorm and self.global_clipnorm > 0:
            norm = np.sqrt(sum(float(np.sum(np.square(g.astype(np.float64)))) for g in grads))
            scale = self.global_clipnorm / max(norm, self.global_clipnorm)
            return [(g * g.dtype.type(scale)).astype(g.dtype) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            return [np.clip(g, -self.clipvalue, self.clipvalue).astype(g.dtype) for g in grads]
        return grads

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError(f"{type(self).__name__} must implement update_step(gradient, variable, lr).")

    # ------------------------------------------------------------- config
    def get_config(self):
        lr = self._schedule if self._schedule is not None else float(self._learning_rate.data)
        if isinstance(lr, LearningRateSchedule):
            lr = {"class_name": type(lr).__name__, "config": lr.get_config()}
        config = {
            "name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
            "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            schedule_cls = _SCHEDULES.get(lr["class_name"]) or (custom_objects or {}).get(lr["class_name"])
            if schedule_cls is None:
                raise ValueError(f"Unknown learning rate schedule '{lr['class_name']}'.")
            config["learning_rate"] = schedule_cls.from_config(lr["config"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} learning_rate={self._current_learning_rate():g} iterations={self._iterations}>"


def _float(value):
    return float(value)


class SGD(Optimizer):
    """Gradient descent with optional momentum.

    momentum == 0: `w -= lr * g`.
    momentum > 0:  `m = momentum * m - lr * g; w += m`, or with `nesterov=True`
                   `w += momentum * m - lr * g` (using the new m).

    Args:
        learning_rate: default 0.01. momentum: float in [0, 1], default 0. nesterov: bool.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not isinstance(momentum, (float, int)) or momentum < 0 or momentum > 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}.")
        self.momentum = _float(momentum)
        self.nesterov = bool(nesterov)
        if self.momentum != 0:
            self.add_slot("momentum")

    def update_step(self, gradient, variable, learning_rate):
        dt = variable.dtype.type
        if self.momentum == 0:
            variable.data = variable.data - gradient * learning_rate
            return
        momentum = dt(self.momentum)
        m = self.slot(variable, "momentum") * momentum - gradient * learning_rate
        self._set_slot(variable, "momentum", m)
        if self.nesterov:
            variable.data = variable.data + (m * momentum - gradient * learning_rate)
        else:
            variable.data = variable.data + m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients.

    `v = rho * v + (1 - rho) * g^2`; `w -= lr * g / sqrt(v + epsilon)` (centered: subtract the
    square of a running mean of g inside the sqrt; momentum: accumulate the increment).

    Args:
        learning_rate: default 0.001. rho: 0.9. momentum: 0.0. epsilon: 1e-7. centered: False.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = _float(rho)
        self.momentum = _float(momentum)
        self.epsilon = _float(epsilon)
        self.centered = bool(centered)
        self.add_slot("velocity")
        if self.momentum > 0:
            self.add_slot("momentum")
        if self.centered:
            self.add_slot("average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        dt = variable.dtype.type
        rho, eps = dt(self.rho), dt(self.epsilon)
        velocity = rho * self.slot(variable, "velocity") + (dt(1) - rho) * np.square(gradient)
        self._set_slot(variable, "velocity", velocity)
        if self.centered:
            average = rho * self.slot(variable, "average_gradient") + (dt(1) - rho) * gradient
            self._set_slot(variable, "average_gradient", average)
            denominator = velocity - np.square(average) + eps
        else:
            denominator = velocity + eps
        increment = learning_rate * gradient / np.sqrt(denominator)
        if self.momentum > 0:
            m = dt(self.momentum) * self.slot(variable, "momentum") + increment
            self._set_slot(variable, "momentum", m)
            variable.data = variable.data - m
        else:
            variable.data = variable.data - increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adam(Optimizer):
    """Adaptive moment estimation.

    `m += (g - m)(1 - beta_1)`; `v += (g^2 - v)(1 - beta_2)`;
    `w -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)` (t = step, from 1).

    Args:
        learning_rate: default 0.001. beta_1: 0.9. beta_2: 0.999. epsilon: 1e-7. amsgrad: False.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _float(beta_1)
        self.beta_2 = _float(beta_2)
        self.epsilon = _float(epsilon)
        self.amsgrad = bool(amsgrad)
        self.add_slot("momentum")
        self.add_slot("velocity")
        if self.amsgrad:
            self.add_slot("velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        dt = variable.dtype.type
        step = dt(self._iterations + 1)
        b1, b2 = dt(self.beta_1), dt(self.beta_2)
        alpha = learning_rate * np.sqrt(dt(1) - b2 ** step) / (dt(1) - b1 ** step)
        m = self.slot(variable, "momentum")
        m = m + (gradient - m) * (dt(1) - b1)
        v = self.slot(variable, "velocity")
        v = v + (np.square(gradient) - v) * (dt(1) - b2)
        self._set_slot(variable, "momentum", m)
        self._set_slot(variable, "velocity", v)
        if self.amsgrad:
            v = np.maximum(self.slot(variable, "velocity_hat"), v)
            self._set_slot(variable, "velocity_hat", v)
        variable.data = variable.data - (m * alpha) / (np.sqrt(v) + dt(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (`weight_decay`, default 0.004): `w -= w * wd * lr` first."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adamw", **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW needs a weight_decay value; received None. Use Adam for no weight decay.")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, name=name, weight_decay=weight_decay, **kwargs)


class Adagrad(Optimizer):
    """Per-weight learning rates shrinking with the sum of squared gradients.

    `acc += g^2`; `w -= lr * g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: default 0.001. initial_accumulator_value: 0.1. epsilon: 1e-7.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError(f"initial_accumulator_value must be >= 0; received {initial_accumulator_value}.")
        self.initial_accumulator_value = _float(initial_accumulator_value)
        self.epsilon = _float(epsilon)
        self.add_slot("accumulator", self.initial_accumulator_value)

    def update_step(self, gradient, variable, learning_rate):
        dt = variable.dtype.type
        acc = self.slot(variable, "accumulator") + np.square(gradient)
        self._set_slot(variable, "accumulator", acc)
        variable.data = variable.data - (learning_rate * gradient) / np.sqrt(acc + dt(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Adagrad with running averages instead of sums, scaled by past update sizes.

    `a = rho a + (1 - rho) g^2`; `d = -sqrt(u + eps) / sqrt(a + eps) * g`;
    `u = rho u + (1 - rho) d^2`; `w += lr * d`.

    Args:
        learning_rate: default 0.001. rho: 0.95. epsilon: 1e-7.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = _float(rho)
        self.epsilon = _float(epsilon)
        self.add_slot("accumulated_grad")
        self.add_slot("accumulated_delta_var")

    def update_step(self, gradient, variable, learning_rate):
        dt = variable.dtype.type
        rho, eps = dt(self.rho), dt(self.epsilon)
        acc_grad = rho * self.slot(variable, "accumulated_grad") + (dt(1) - rho) * np.square(gradient)
        acc_delta = self.slot(variable, "accumulated_delta_var")
        delta = -(np.sqrt(acc_delta + eps) * gradient) / np.sqrt(acc_grad + eps)
        self._set_slot(variable, "accumulated_grad", acc_grad)
        self._set_slot(variable, "accumulated_delta_var", rho * acc_delta + (dt(1) - rho) * np.square(delta))
        variable.data = variable.data + learning_rate * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adamax(Optimizer):
    """Adam with the infinity norm: `u = max(beta_2 u, |g|)`; `w -= lr m / ((1 - beta_1^t)(u + eps))`.

    Args:
        learning_rate: default 0.001. beta_1: 0.9. beta_2: 0.999. epsilon: 1e-7.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _float(beta_1)
        self.beta_2 = _float(beta_2)
        self.epsilon = _float(epsilon)
        self.add_slot("m")
        self.add_slot("norm")

    def update_step(self, gradient, variable, learning_rate):
        dt = variable.dtype.type
        b1, b2 = dt(self.beta_1), dt(self.beta_2)
        b1_power = b1 ** dt(self._iterations + 1)
        m = self.slot(variable, "m")
        m = m + (gradient - m) * (dt(1) - b1)
        u = np.maximum(b2 * self.slot(variable, "norm"), np.abs(gradient))
        self._set_slot(variable, "m", m)
        self._set_slot(variable, "norm", u)
        variable.data = variable.data - (learning_rate * m) / ((dt(1) - b1_power) * (u + dt(self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay)}
_CLASSES = {cls.__name__: cls for cls in (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax)}
_BY_NAME = {name.lower(): cls for name, cls in _CLASSES.items()}


def get(identifier):
    """An optimizer from a name ('adam', 'rmsprop', 'sgd'), a config dict, or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Unknown optimizer: '{identifier}'. Known names: {sorted(_BY_NAME)}. You can also "
                "pass an instance, e.g. keras.optimizers.Adam(learning_rate=1e-3)."
            )
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Pass a name ('adam') or an "
        "optimizer instance (keras.optimizers.SGD(...))."
    )


def serialize(optimizer):
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name) or _BY_NAME.get(str(name).lower())
    if cls is None:
        raise ValueError(
            f"Unknown optimizer '{name}'. If it is your own optimizer class, pass "
            f"custom_objects={{'{name}': {name}}}."
        )
    return cls.from_config(config.get("config", {}))

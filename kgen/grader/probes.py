"""What the sandboxed child does with a submission: probes that collect plain data.

A probe builds the learner's layer or model, exercises one part of the Keras layer
contract, and returns JSON-able facts plus numpy arrays. It never judges: the parent
compares the facts with the reference's (run through the same probes) and scores.
Inputs and weights come from seeded generators keyed by (probe, case), so the
reference and the submission see the same numbers without sharing a process.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path

import numpy as np

DEFAULT_BATCH = 2  # the batch size used when an input shape has a None batch
TRAIN_BATCH = 4  # the training step uses a few samples, so one sample's dead units don't hide a bug
WEIGHT_SCALE = 0.5


class ProbeTimeout(BaseException):
    """Raised by the per-probe alarm; a BaseException so `except Exception` can't swallow it."""


# ---------------------------------------------------------------- seeded data


def seeded(seed: int, key: tuple, shape, scale: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng([seed, *key])
    return (rng.standard_normal(tuple(shape)) * scale).astype(np.float32)


def concrete(shape, batch=DEFAULT_BATCH):
    return tuple(batch if d is None else int(d) for d in shape)


def is_multi(case) -> bool:
    return bool(case) and isinstance(case[0], (list, tuple))


def case_inputs(seed, probe_key, case, batch=DEFAULT_BATCH):
    """Seeded input arrays for one case: one array, or a list for a multi-input layer."""
    if is_multi(case):
        b = case[0][0] if case[0][0] is not None else batch
        return [seeded(seed, (probe_key, j), concrete(s, b)) for j, s in enumerate(case)]
    return seeded(seed, (probe_key, 0), concrete(case, batch))


def seeded_weights(seed, probe_key, shapes):
    return [seeded(seed, (probe_key, 1000 + k), s, WEIGHT_SCALE) for k, s in enumerate(shapes)]


# ---------------------------------------------------------------- conversions


class WrongType(TypeError):
    """The learner's code returned something of the wrong kind (message says what)."""


def shape_of(value):
    """A shape as a JSON list of int/None, from a tuple, list or TensorShape-like object."""
    if hasattr(value, "as_list"):
        value = value.as_list()
    if not isinstance(value, (tuple, list)):
        raise WrongType(f"a shape must be a tuple like (None, 4). Received: {value!r} "
                        f"(type {type(value).__name__})")
    out = []
    for d in value:
        d = getattr(d, "value", d)  # TF1 Dimension objects
        if d is None:
            out.append(None)
        elif isinstance(d, (tuple, list)):
            out.append(shape_of(d))
        else:
            try:
                out.append(int(d))
            except (TypeError, ValueError):
                raise WrongType(f"a shape holds ints or None. Received {d!r} in {value!r}") from None
    return out


def to_array(value, what="call"):
    """A numpy array from an engine Tensor / ndarray; explain anything else."""
    if value is None:
        raise WrongType(f"{what} returned None. Did you forget `return` at the end of `{what}`?")
    if isinstance(value, (list, tuple, dict)):
        raise WrongType(f"{what} returned a {type(value).__name__} of {len(value)} item(s); "
                        f"this exercise expects one tensor.")
    if isinstance(value, (str, bytes)):
        raise WrongType(f"{what} returned a string ({value[:40]!r}); it should return a tensor.")
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        arr = np.asarray(value)
    except Exception as e:  # noqa: BLE001 - any conversion failure is the learner's type
        raise WrongType(f"{what} returned {type(value).__name__}, which is not a tensor.") from e
    if arr.dtype == object:
        if all(v is None for v in arr.ravel()):
            raise WrongType(f"{what} returned None values: does your layer's `call` end with "
                            f"`return`?")
        raise WrongType(f"{what} returned {type(value).__name__} holding "
                        f"{type(arr.ravel()[0]).__name__} objects, not numbers.")
    if arr.ndim == 0:
        raise WrongType(f"{what} returned a scalar ({arr!r}); it should return a tensor with a "
                        f"batch axis.")
    return np.array(arr, copy=True)


def outputs_list(value, what="predict"):
    if isinstance(value, (list, tuple)):
        return [to_array(v, what) for v in value]
    return [to_array(value, what)]


def jsonable(value, depth=0):
    """A JSON-safe copy of a config (tuples become lists, unknown objects their repr)."""
    if depth > 20:
        return "<too deep>"
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, depth + 1) for v in value]
    return {"__repr__": repr(value)[:200], "__type__": type(value).__name__}


def weight_facts(weights):
    return [
        {"name": str(getattr(w, "name", "?")), "path": str(getattr(w, "path", "")),
         "shape": shape_of(tuple(w.shape)), "trainable": bool(getattr(w, "trainable", True))}
        for w in weights
    ]


def describe_error(exc: BaseException, submission: Path | None) -> dict:
    """The exception as facts a learner can act on: type, message, and their own lines."""
    tb = traceback.extract_tb(exc.__traceback__)
    sub = str(submission.resolve()) if submission else None
    mine = [f for f in tb if sub and str(Path(f.filename).resolve()) == sub]
    if isinstance(exc, SyntaxError) and sub and exc.filename and \
            str(Path(exc.filename).resolve()) == sub:
        where = {"line": exc.lineno, "code": (exc.text or "").rstrip(), "offset": exc.offset}
    elif mine:
        f = mine[-1]
        where = {"line": f.lineno, "code": (f.line or "").strip(), "function": f.name}
    else:
        where = None
    frames = [f"{Path(f.filename).name}:{f.lineno} in {f.name}: {(f.line or '').strip()}"
              for f in (mine[-4:] if mine else tb[-2:])]
    if isinstance(exc, SystemExit):
        message = f"exit code {exc.code!r}"
    elif isinstance(exc, SyntaxError) and exc.msg:
        message = exc.msg  # str() would repeat the file and line
    else:
        message = str(exc)
    return {"type": type(exc).__name__, "message": message[:2000], "where": where,
            "frames": frames, "in_submission": bool(mine)}


# ---------------------------------------------------------------- the submission


def load_module(path: Path):
    """Import the learner's file under its own name (never `__main__`)."""
    name = "submission_" + "".join(c if c.isalnum() else "_" for c in path.stem)
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def layer_base():
    from kgen import keras

    return keras.layers.Layer


def model_base():
    from kgen import keras

    return keras.Model


def _input(shape):
    from kgen import keras

    shape = tuple(shape)
    try:
        return keras.Input(batch_shape=shape)
    except TypeError:
        return keras.Input(shape=shape[1:], batch_size=shape[0])


def _symbolic_inputs(case, keep_batch):
    """keras.Input for each shape of a case, keeping or dropping (None) its batch size."""
    shapes = case if is_multi(case) else [case]
    ins = [_input(s if keep_batch else [None] + list(s[1:])) for s in shapes]
    return ins if is_multi(case) else ins[0]


def _flat(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _nodes(layer):
    nodes = getattr(layer, "_inbound_nodes", None)
    if nodes is None:
        nodes = getattr(layer, "inbound_nodes", None)
    return None if nodes is None else len(nodes)


def gradient_support():
    """Whether the engine can train yet: model.compile + train_on_batch and SGD exist."""
    from kgen import keras

    missing = [name for name in ("compile", "train_on_batch") if not hasattr(keras.Model, name)]
    try:
        optimizers = keras.optimizers
    except (AttributeError, ImportError):
        optimizers = None
    if optimizers is None or not hasattr(optimizers, "SGD"):
        missing.append("optimizers.SGD")
    return missing


class Unavailable(Exception):
    """A feature of kgen this probe needs does not exist yet (not the learner's fault)."""


# ---------------------------------------------------------------- probes


class Probes:
    """The probes for one exercise request; each method returns (data, arrays)."""

    def __init__(self, request: dict, submission: Path):
        self.req = request
        self.ex = request["exercise"]
        self.seed = self.ex["seed"]
        self.submission = submission
        self.module = None
        self.target = None

    # -- shared steps
    def order(self):
        if self.ex["kind"] == "layer":
            names = ["load", "class", "init", "config", "weights", "output_shape",
                     "symbolic", "call", "model", "shared"]
        else:
            names = ["load", "function", "build", "outputs"]
        if self.ex["trains"]:
            names.append("gradients")
        return names

    def requires(self, name):
        """Probes that must succeed before `name` can run."""
        if self.ex["kind"] == "layer":
            return {"load": [], "class": ["load"], "init": ["class"]}.get(name, ["class", "init"])
        return {"load": [], "function": ["load"], "build": ["function"]}.get(name, ["build"])

    def probe_load(self):
        self.module = load_module(self.submission)
        return {"ok": True}, {}

    def _candidates(self, want):
        names = [n for n in vars(self.module) if not n.startswith("_")]
        low = want.lower().replace("_", "")
        return [n for n in names if n.lower().replace("_", "") == low and n != want][:5]

    def probe_class(self):
        name = self.ex["target"]
        obj = getattr(self.module, name, None)
        base = layer_base()
        layer_classes = [n for n, v in vars(self.module).items()
                         if isinstance(v, type) and issubclass(v, base) and v is not base]
        data = {"found": obj is not None, "is_class": isinstance(obj, type),
                "is_layer": isinstance(obj, type) and issubclass(obj, base),
                "similar": self._candidates(name), "layer_classes": layer_classes[:10],
                "bases": [b.__name__ for b in getattr(obj, "__mro__", [])[1:4]]}
        if data["is_layer"]:
            self.target = obj
        return data, {}

    def new(self):
        return self.target(**self.ex["init_kwargs"])

    def probe_init(self):
        layer = self.new()
        return {"type": type(layer).__name__}, {}

    def probe_config(self):
        layer = self.new()
        config = layer.get_config()
        if not isinstance(config, dict):
            raise WrongType(f"get_config returned {type(config).__name__}; it must return a dict.")
        revived = type(layer).from_config(config)
        again = revived.get_config()
        if not isinstance(again, dict):
            raise WrongType(f"get_config returned {type(again).__name__}; it must return a dict.")
        return {"config": jsonable(config), "roundtrip": jsonable(again)}, {}

    def _cases(self):
        return self.ex["input_shapes"]

    def _per_case(self, fn):
        """Run fn(i, case) for each case; one case's exception does not hide the others."""
        results = []
        arrays = {}
        for i, case in enumerate(self._cases()):
            try:
                value, arrs = fn(i, case)
                results.append({"ok": value})
                arrays.update(arrs)
            except (ProbeTimeout, MemoryError):
                raise  # stops the probe: trying the other cases would only repeat it
            except (Exception, SystemExit) as e:  # noqa: BLE001 - recorded for the learner
                results.append({"error": describe_error(e, self.submission)})
        return {"cases": results}, arrays

    def probe_weights(self):
        case = self._cases()[0]
        layer = self.new()
        shape = [tuple(s) for s in case] if is_multi(case) else tuple(case)
        layer.build(shape)
        facts = weight_facts(layer.weights)
        return {"weights": facts, "built": bool(getattr(layer, "built", True))}, {}

    def probe_output_shape(self):
        def one(i, case):
            layer = self.new()
            shape = [tuple(s) for s in case] if is_multi(case) else tuple(case)
            layer.build(shape)
            out = layer.compute_output_shape(shape)
            if out is None:
                raise WrongType("compute_output_shape returned None. Did you forget `return`?")
            return shape_of(out), {}

        return self._per_case(one)

    def probe_symbolic(self):
        def one(i, case):
            layer = self.new()
            y = layer(_symbolic_inputs(case, keep_batch=True))
            if isinstance(y, (list, tuple)):
                raise WrongType(f"calling the layer on keras.Input returned a "
                                f"{type(y).__name__}; expected one tensor.")
            if not hasattr(y, "shape"):
                raise WrongType(f"calling the layer on keras.Input returned "
                                f"{type(y).__name__}, not a tensor.")
            return shape_of(tuple(y.shape)), {}

        return self._per_case(one)

    def _set_seeded(self, obj, key):
        shapes = [tuple(np.shape(w)) for w in obj.get_weights()]
        obj.set_weights(seeded_weights(self.seed, key, shapes))
        return shapes

    def probe_call(self):
        def one(i, case):
            layer = self.new()
            x = case_inputs(self.seed, 10 + i, case)
            layer(x)  # builds the layer from the concrete input
            shapes = self._set_seeded(layer, 10 + i)
            y = to_array(layer(x), "call")
            return {"weight_shapes": [list(s) for s in shapes], "dtype": str(y.dtype)}, {f"y{i}": y}

        return self._per_case(one)

    def probe_model(self):
        from kgen import keras

        case = self._cases()[0]
        layer = self.new()
        inp = _symbolic_inputs(case, keep_batch=False)
        model = keras.Model(inp, layer(inp))
        self._set_seeded(model, 50)
        x = case_inputs(self.seed, 50, case)
        y = outputs_list(model.predict(x, verbose=0) if _accepts_verbose(model) else model.predict(x))
        if len(y) != 1:
            raise WrongType(f"the model has {len(y)} outputs; the layer should return one tensor.")
        return {}, {"y": y[0]}

    def probe_shared(self):
        from kgen import keras

        case = self._cases()[0]
        layer = self.new()
        a = _symbolic_inputs(case, keep_batch=False)
        b = _symbolic_inputs(case, keep_batch=False)
        ya, yb = layer(a), layer(b)
        nodes = _nodes(layer)
        shapes = []
        if hasattr(layer, "get_output_at"):
            shapes = [shape_of(tuple(layer.get_output_at(k).shape)) for k in (0, 1)]
        model = keras.Model(_flat(a) + _flat(b), [ya, yb])
        self._set_seeded(layer, 60)
        xa = case_inputs(self.seed, 60, case)
        xb = case_inputs(self.seed, 61, case)
        feed = _flat(xa) + _flat(xb)
        ys = outputs_list(model.predict(feed, verbose=0) if _accepts_verbose(model)
                          else model.predict(feed))
        if len(ys) != 2:
            raise WrongType(f"a model with two calls of the layer gave {len(ys)} outputs.")
        return ({"nodes": nodes, "output_shapes_at": shapes, "n_weights": len(layer.weights)},
                {"ya": ys[0], "yb": ys[1]})

    def _train_step(self, model, x, key):
        from kgen import keras

        """One SGD step; returns each weight before (`b<k>`) and after (`w<k>`) it."""
        ys = model.predict(x, verbose=0) if _accepts_verbose(model) else model.predict(x)
        targets = [seeded(self.seed, (key, 500 + k), y.shape) for k, y in enumerate(outputs_list(ys))]
        before = {f"b{k}": np.array(w, dtype=np.float32) for k, w in enumerate(model.get_weights())}
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=self.ex["learning_rate"]),
                      loss="mse")
        model.train_on_batch(x, targets if len(targets) > 1 else targets[0])
        after = {f"w{k}": np.array(w, dtype=np.float32) for k, w in enumerate(model.get_weights())}
        return {**before, **after}

    def probe_gradients(self):
        missing = gradient_support()
        if missing:
            raise Unavailable("training is not available in this kgen yet (missing: "
                              + ", ".join(missing) + ")")
        from kgen import keras

        if self.ex["kind"] == "model":
            model = self._build_model()
            self._set_seeded(model, 70)
            x = self._model_inputs(model, 70, TRAIN_BATCH)
            return {}, self._train_step(model, x if len(x) > 1 else x[0], 70)
        # A Dense before the layer makes the step depend on the gradient w.r.t. the
        # layer's input as well as its own weights.
        case = self._cases()[0]
        layer = self.new()
        inp = _symbolic_inputs(case, keep_batch=False)
        pre = [keras.layers.Dense(int(t.shape[-1]), use_bias=False)(t) for t in _flat(inp)]
        out = layer(pre if is_multi(case) else pre[0])
        model = keras.Model(inp, out)
        self._set_seeded(model, 70)
        x = case_inputs(self.seed, 70, case, batch=TRAIN_BATCH)
        return {}, self._train_step(model, x, 70)

    # -- model exercises
    def probe_function(self):
        name = self.ex["target"]
        obj = getattr(self.module, name, None)
        data = {"found": obj is not None, "callable": callable(obj),
                "similar": self._candidates(name)}
        if callable(obj):
            self.target = obj
        return data, {}

    def _build_model(self):
        model = self.target(**self.ex["init_kwargs"])
        if not isinstance(model, model_base()):
            raise WrongType(f"{self.ex['target']}() returned {type(model).__name__}; "
                            f"it should return a keras.Model.")
        return model

    def _model_inputs(self, model, key, batch):
        return [seeded(self.seed, (key, j), concrete(shape_of(tuple(t.shape)), batch))
                for j, t in enumerate(_flat(model.inputs))]

    def probe_build(self):
        from kgen import keras

        model = self.target(**self.ex["init_kwargs"])
        if not isinstance(model, keras.Model):
            return {"is_model": False, "type": type(model).__name__}, {}
        layers = [{"class": type(l).__name__, "name": str(getattr(l, "name", "")),
                   "nodes": _nodes(l), "n_weights": len(l.weights)}
                  for l in model.layers]
        weights = model.weights
        return {"is_model": True, "type": type(model).__name__,
                "inputs": [shape_of(tuple(t.shape)) for t in _flat(model.inputs)],
                "outputs": [shape_of(tuple(t.shape)) for t in _flat(model.outputs)],
                "weights": weight_facts(weights),
                "count_params": int(sum(int(np.prod(w.shape)) for w in weights)),
                "trainable_params": int(sum(int(np.prod(w.shape)) for w in weights
                                            if getattr(w, "trainable", True))),
                "layers": layers}, {}

    def probe_outputs(self):
        results, arrays = [], {}
        for i, batch in enumerate(self.ex["batch_sizes"]):
            try:
                model = self._build_model()
                self._set_seeded(model, 80)
                x = self._model_inputs(model, 80 + i, batch)
                feed = x if len(x) > 1 else x[0]
                ys = outputs_list(model.predict(feed, verbose=0) if _accepts_verbose(model)
                                  else model.predict(feed))
                for k, y in enumerate(ys):
                    arrays[f"b{i}_y{k}"] = y
                results.append({"ok": {"n_outputs": len(ys)}})
            except (ProbeTimeout, MemoryError):
                raise
            except (Exception, SystemExit) as e:  # noqa: BLE001 - recorded for the learner
                results.append({"error": describe_error(e, self.submission)})
        return {"cases": results}, arrays


def _accepts_verbose(model):
    import inspect

    try:
        return "verbose" in inspect.signature(model.predict).parameters
    except (TypeError, ValueError):
        return False

"""Saving and loading: `model.save` / `load_model`, `save_weights` / `load_weights`, JSON configs.

`model.save(path)` writes ONE zip file (like Keras' `.keras` format) holding:
  - `metadata.json`  : format name and version, kgen version;
  - `config.json`    : the model config (kgen.graph.serialization) and the compile config;
  - `model.weights.npz`: every weight, in `get_weights()` order, with its path and shape;
  - `optimizer.npz`  : the optimizer state (when compiled and trained), so training resumes.

`model.save_weights(path)` writes only the weights file (an .npz archive whatever the
extension, with a manifest of paths and shapes). kgen cannot read HDF5 files written by
Keras/TensorFlow, and says so. Loading checks the number and shapes of weights and names
the first mismatch.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

FORMAT = "kgen-model"
WEIGHTS_FORMAT = "kgen-weights"
VERSION = 1
_MANIFEST = "__kgen_manifest__"


# ---------------------------------------------------------------------------- helpers
def _path(filepath):
    return os.fspath(filepath)


def _check_overwrite(path, overwrite):
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"'{path}' already exists and overwrite=False. Pass overwrite=True to replace it.")


def _atomic_write(path, write):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".kgen-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{value!r} ({type(value).__name__}) cannot be written as JSON")


def _weights_npz(weights):
    """An .npz archive (bytes) of (path, array) pairs, with a JSON manifest."""
    manifest = {"format": WEIGHTS_FORMAT, "version": VERSION,
                "weights": [{"path": path, "shape": list(a.shape), "dtype": a.dtype.name} for path, a in weights]}
    arrays = {f"w{i:04d}": a for i, (_, a) in enumerate(weights)}
    arrays[_MANIFEST] = np.array(json.dumps(manifest))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _read_weights_npz(data, source):
    """[(path, array), ...] from `_weights_npz` bytes; clear errors for anything else."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            if _MANIFEST not in npz.files:
                raise ValueError("it has no kgen manifest")
            manifest = json.loads(str(npz[_MANIFEST]))
            if manifest.get("format") != WEIGHTS_FORMAT:
                raise ValueError(f"its format is {manifest.get('format')!r}")
            out = []
            for i, info in enumerate(manifest["weights"]):
                array = npz[f"w{i:04d}"]
                if list(array.shape) != list(info["shape"]):
                    raise ValueError(f"weight {i} ('{info['path']}') has shape {array.shape}, manifest says {info['shape']}")
                out.append((info["path"], array))
            return out
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, EOFError, json.JSONDecodeError) as error:
        raise ValueError(
            f"'{source}' is not a valid kgen weights file, or it is corrupted ({error}). Save weights with "
            "model.save_weights(path) or a model with model.save(path)."
        ) from error


def _sniff(path):
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: '{path}'. Check the path (saved files are not created on load).")
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\x89HDF"):
        raise ValueError(
            f"'{path}' is an HDF5 file (written by Keras/TensorFlow's .h5 format). kgen cannot read HDF5: "
            "rebuild the model in kgen and save it with kgen's model.save / save_weights."
        )
    if not head.startswith(b"PK"):
        raise ValueError(
            f"'{path}' is not a kgen model or weights file (or it is corrupted): it is not a zip archive. "
            "Files written by model.save() and model.save_weights() can be loaded."
        )


# ---------------------------------------------------------------------------- weights
def save_weights(model, filepath, overwrite=True):
    path = _path(filepath)
    _check_overwrite(path, overwrite)
    weights = [(v.path, np.asarray(v.data)) for v in model.weights]
    data = _weights_npz(weights)
    _atomic_write(path, lambda f: f.write(data))


def _weights_from_file(path):
    _sniff(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "config.json" in names and "model.weights.npz" in names:
                return _read_weights_npz(archive.read("model.weights.npz"), path)
    except zipfile.BadZipFile as error:
        raise ValueError(f"'{path}' is corrupted: {error}. Save it again with model.save_weights(path).") from error
    with open(path, "rb") as f:
        return _read_weights_npz(f.read(), path)


def load_weights(model, filepath, skip_mismatch=False, by_name=False):
    path = _path(filepath)
    saved = _weights_from_file(path)
    own = model.weights
    if not own and not model.built:
        raise ValueError(
            f"Model '{model.name}' has no weights yet: it is not built. Call it on data (or give it an Input) "
            "before load_weights, so the weights exist to receive the values."
        )
    if by_name:
        _load_by_name(model, own, saved, skip_mismatch, path)
        return
    if len(saved) != len(own):
        raise ValueError(
            f"The weights file '{path}' holds {len(saved)} weights, but model '{model.name}' has {len(own)}. "
            f"It was saved from a different architecture.\n  file:  {_describe(saved)}\n  model: "
            f"{_describe([(v.path, v) for v in own])}"
        )
    for (saved_path, array), variable in zip(saved, own):
        if tuple(array.shape) != tuple(variable.shape):
            message = (
                f"Weight mismatch loading '{path}' into model '{model.name}': weight '{variable.path}' has shape "
                f"{tuple(variable.shape)}, but the file's weight '{saved_path}' at the same position has shape "
                f"{tuple(array.shape)}. The model's architecture differs from the saved one."
            )
            if skip_mismatch:
                warnings.warn(message + " Skipped (skip_mismatch=True).", stacklevel=3)
                continue
            raise ValueError(message)
    for (_, array), variable in zip(saved, own):
        if tuple(array.shape) == tuple(variable.shape):
            variable.assign(array)


def _describe(pairs, limit=6):
    items = [f"{p} {tuple(np.shape(a))}" for p, a in pairs[:limit]]
    more = f", ... ({len(pairs) - limit} more)" if len(pairs) > limit else ""
    return "[" + ", ".join(items) + more + "]"


def _load_by_name(model, own, saved, skip_mismatch, path):
    by_path = {p: a for p, a in saved}
    for variable in own:
        array = by_path.get(variable.path)
        if array is None:
            continue
        if tuple(array.shape) != tuple(variable.shape):
            message = f"Weight '{variable.path}' has shape {tuple(variable.shape)}; '{path}' has {tuple(array.shape)}."
            if skip_mismatch:
                warnings.warn(message + " Skipped.", stacklevel=3)
                continue
            raise ValueError(message + " Pass skip_mismatch=True to skip it.")
        variable.assign(array)


# ---------------------------------------------------------------------------- compile config
def compile_config(model):
    from kgen.training import losses, metrics, optimizers

    args = getattr(model, "_compile_config", None)
    if not args:
        return None

    def each(value, fn):
        if isinstance(value, dict):
            return {k: each(v, fn) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [each(v, fn) for v in value]
        return None if value is None else fn(value)

    return {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": each(args["loss"], losses.serialize),
        "loss_weights": args["loss_weights"],
        "metrics": each(args["metrics"], metrics.serialize),
        "weighted_metrics": each(args["weighted_metrics"], metrics.serialize),
    }


def compile_from_config(model, config, custom_objects=None):
    from kgen.training import losses, metrics, optimizers

    def each(value, fn):
        if isinstance(value, dict) and "class_name" not in value:
            return {k: each(v, fn) for k, v in value.items()}
        if isinstance(value, list):
            return [each(v, fn) for v in value]
        if value is None or isinstance(value, str):
            return value  # names go back to compile as written ('mae' stays 'mae' in the logs)
        return fn(value, custom_objects)

    model.compile(
        optimizer=optimizers.deserialize(config["optimizer"], custom_objects),
        loss=each(config.get("loss"), losses.deserialize),
        loss_weights=config.get("loss_weights"),
        metrics=each(config.get("metrics"), metrics.deserialize),
        weighted_metrics=each(config.get("weighted_metrics"), metrics.deserialize),
    )


# ---------------------------------------------------------------------------- models
def _model_json(model):
    from kgen import __version__
    from kgen.graph.serialization import serialize_layer

    return {**serialize_layer(model), "kgen_version": __version__}


def model_to_json(model, **kwargs):
    """The architecture as a JSON string (no weights)."""
    return json.dumps(_model_json(model), default=_json_default, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """A new model (fresh weights) from `model.to_json()`."""
    from kgen.graph.serialization import deserialize_layer

    try:
        config = json.loads(json_string)
    except json.JSONDecodeError as error:
        raise ValueError(f"model_from_json: the string is not valid JSON ({error}).") from error
    return deserialize_layer(config, custom_objects)


def model_from_config(config, custom_objects=None):
    from kgen.graph.serialization import deserialize_layer

    return deserialize_layer(config, custom_objects)


def save_model(model, filepath, overwrite=True, include_optimizer=True, **kwargs):
    """Write the model (config + weights + optimizer state) to one file; see module docstring."""
    from kgen import __version__

    path = _path(filepath)
    _check_overwrite(path, overwrite)
    config = {"model": _model_json(model)}
    if getattr(model, "compiled", False):
        try:
            config["compile_config"] = compile_config(model)
        except Exception as error:  # a compile setting that has no config (a lambda loss, ...)
            warnings.warn(f"The compile settings of model '{model.name}' are not saved: {error}", stacklevel=3)
    config_text = json.dumps(config, default=_json_default, indent=1)
    weights = _weights_npz([(v.path, np.asarray(v.data)) for v in model.weights])
    optimizer = getattr(model, "optimizer", None)
    opt_state = None
    if include_optimizer and optimizer is not None and getattr(optimizer, "built", False):
        opt_state = _weights_npz([(v.name, np.asarray(v.data)) for v in optimizer.variables])
    metadata = {"format": FORMAT, "format_version": VERSION, "kgen_version": __version__,
                "class_name": type(model).__name__}

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", config_text)
            archive.writestr("model.weights.npz", weights)
            if opt_state is not None:
                archive.writestr("optimizer.npz", opt_state)

    _atomic_write(path, write)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from `model.save(path)`: same architecture, weights and (if compiled) optimizer.

    Custom layers, losses or metrics must be passed in `custom_objects={'Name': Name}` (or
    registered with `@keras.saving.register_keras_serializable()`).
    """
    from kgen.graph.serialization import custom_object_scope, deserialize_layer

    path = _path(filepath)
    _sniff(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "metadata.json" not in names or "config.json" not in names:
                hint = " It looks like a weights file: build the model and call model.load_weights(path)." \
                    if any(n.endswith(".npy") for n in names) else ""
                raise ValueError(f"'{path}' is not a model file saved by kgen's model.save().{hint}")
            metadata = json.loads(archive.read("metadata.json"))
            config = json.loads(archive.read("config.json"))
            weights_data = archive.read("model.weights.npz")
            opt_data = archive.read("optimizer.npz") if "optimizer.npz" in names else None
    except (zipfile.BadZipFile, json.JSONDecodeError, KeyError, EOFError) as error:
        raise ValueError(f"'{path}' is corrupted and cannot be loaded ({type(error).__name__}: {error}).") from error
    if metadata.get("format") != FORMAT:
        raise ValueError(f"'{path}' has format {metadata.get('format')!r}; expected {FORMAT!r}.")
    if metadata.get("format_version", 0) > VERSION:
        raise ValueError(
            f"'{path}' was written by a newer kgen (format version {metadata['format_version']}); this kgen "
            f"reads version {VERSION}. Upgrade kgen."
        )
    with custom_object_scope(custom_objects or {}):
        model = deserialize_layer(config["model"], custom_objects)
        saved = _read_weights_npz(weights_data, path)
        own = model.weights
        if len(saved) != len(own) or any(tuple(a.shape) != tuple(v.shape) for (_, a), v in zip(saved, own)):
            raise ValueError(
                f"'{path}' is inconsistent: its config builds a model with weights {_describe([(v.path, v) for v in own])} "
                f"but the file holds {_describe(saved)}. The file is corrupted or was edited."
            )
        for (_, array), variable in zip(saved, own):
            variable.assign(array)
        if compile and config.get("compile_config"):
            try:
                compile_from_config(model, config["compile_config"], custom_objects)
            except ValueError as error:
                raise ValueError(
                    f"Loading '{path}': the model was rebuilt but its compile settings could not be: {error} "
                    "Pass the missing objects in custom_objects, or load with compile=False and compile again."
                ) from error
            if opt_data is not None:
                state = [a for _, a in _read_weights_npz(opt_data, path)]
                model.optimizer.build(model.trainable_weights)
                try:
                    model.optimizer.set_weights(state)
                except ValueError as error:
                    warnings.warn(f"The optimizer state in '{path}' was not restored: {error}", stacklevel=2)
    return model


def clone_model(model, input_tensors=None, clone_function=None, custom_objects=None):
    """A new model with the same architecture and freshly initialised weights."""
    if input_tensors is not None or clone_function is not None:
        raise NotImplementedError("clone_model supports only the model argument in kgen.")
    from kgen.graph.serialization import deserialize_layer, serialize_layer

    return deserialize_layer(json.loads(json.dumps(serialize_layer(model), default=_json_default)), custom_objects)

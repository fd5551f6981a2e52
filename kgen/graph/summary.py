"""`model.summary()`: Keras' layer table (name, type, output shape, params) drawn with rich."""

from __future__ import annotations

import io
import os
import shutil

import numpy as np


def _shape_text(shapes):
    if shapes is None:
        return "?"
    if isinstance(shapes, tuple):
        return "(" + ", ".join("None" if d is None else str(d) for d in shapes) + (",)" if len(shapes) == 1 else ")")
    if isinstance(shapes, list):
        return "[" + ", ".join(_shape_text(s) for s in shapes) + "]"
    if isinstance(shapes, dict):
        return "{" + ", ".join(f"{k}: {_shape_text(v)}" for k, v in shapes.items()) + "}"
    return str(shapes)


def _memory(n_bytes):
    for unit in ["B", "KB", "MB", "GB", "TB"]:
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} PB"


def _layer_rows(model):
    from kgen.graph.layer import Layer

    nodes = getattr(model, "_nodes", None)
    rows = []
    for layer in model.layers:
        own = [n for n in layer._inbound_nodes if nodes is None or n in nodes or n.is_input]
        shapes = [
            tuple(n.output_tensors[0].shape) if len(n.output_tensors) == 1 else [tuple(t.shape) for t in n.output_tensors]
            for n in own
        ]
        if not shapes:
            shape = "?"
        elif all(s == shapes[0] for s in shapes):
            shape = _shape_text(shapes[0])
        else:
            shape = "multiple"
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        connected = []
        for n in own:
            for t in n.input_tensors:
                src, index, tindex = t._keras_history
                connected.append(f"{src.name}[{index}][{tindex}]")
        rows.append((f"{layer.name} ({type(layer).__name__})", shape, params, connected))
    return rows


def print_summary(model, print_fn=None, line_length=None, expand_nested=False):
    from rich import box
    from rich.console import Console
    from rich.table import Table

    if not model.built:
        raise ValueError(
            f"Model '{model.name}' has not been built yet, so it has no shapes to show. Build it "
            "by calling it on data, by `model.build(input_shape)`, or start it with keras.Input(shape)."
        )
    rows = _layer_rows(model)
    # Keras adds "Connected to" when the graph is not a chain: several inputs or a merge.
    is_functional = type(model).__name__ == "Functional"
    show_connections = is_functional and (len(model.inputs) > 1 or any(len(r[3]) > 1 for r in rows))
    width = line_length or int(os.environ.get("COLUMNS", 0)) or min(shutil.get_terminal_size((80, 24)).columns, 100)
    table = Table(box=box.HEAVY_HEAD, show_lines=True, width=None, expand=False)
    table.add_column("Layer (type)", overflow="fold")
    table.add_column("Output Shape", overflow="fold")
    table.add_column("Param #", justify="right")
    if show_connections:
        table.add_column("Connected to", overflow="fold")
    for name, shape, params, connected in rows:
        cells = [name, shape, str(params)]
        if show_connections:
            cells.append("\n".join(connected) if connected else "-")
        table.add_row(*cells)

    weights = model.weights
    total = int(sum(np.prod(v.shape) for v in weights))
    trainable = int(sum(np.prod(v.shape) for v in model.trainable_weights))
    nbytes = lambda vs: int(sum(v.data.nbytes for v in vs))  # noqa: E731
    non_trainable = total - trainable

    buffer = io.StringIO() if print_fn else None
    console = Console(
        width=width,
        file=buffer,
        no_color=print_fn is not None or None,
        force_terminal=False if print_fn else None,
        highlight=False,
    )
    console.print(f'Model: "{model.name}"', style="bold")
    console.print(table)
    console.print(f" Total params: {total:,} ({_memory(nbytes(weights))})")
    console.print(f" Trainable params: {trainable:,} ({_memory(nbytes(model.trainable_weights))})")
    console.print(f" Non-trainable params: {non_trainable:,} ({_memory(nbytes(model.non_trainable_weights))})")
    if print_fn:
        for line in buffer.getvalue().rstrip("\n").split("\n"):
            print_fn(line)

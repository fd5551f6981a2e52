"""Draw a model's graph: `plot_model` (SVG always, PNG through graphviz) and `text_tree`.

`plot_model(model, to_file="model.png", show_shapes=True)` is Keras' function (the old
`keras.utils.visualize_util.plot` is the same). kgen lays the graph out itself and writes SVG,
so nothing needs installing; a `.png` (or `.pdf`) file is drawn by graphviz's `dot` when it is
on the PATH, and otherwise the SVG is written next to it with a warning saying so. A `.dot`
file gets the graphviz source.

`text_tree(model)` is the terminal's version: each layer with its output shape, and indented
under it the layers it is computed from.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import warnings
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class _Box:
    key: int  # id(layer)
    name: str
    cls: str
    input_shapes: list = field(default_factory=list)
    output_shapes: list = field(default_factory=list)
    parents: list = field(default_factory=list)  # keys, in call order
    rank: int = 0


def _shape(shape) -> str:
    dims = ["None" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _shapes(shapes) -> str:
    unique = list(dict.fromkeys(shapes))
    if not unique:
        return "?"
    if len(unique) > 1 and len({s.count(",") for s in unique}) == 1 and len(shapes) > 1:
        return "multiple" if len(unique) > 2 else " | ".join(unique)
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _node_of(tensor):
    layer, node_index, _ = tensor._keras_history
    return layer, node_index, layer._inbound_nodes[node_index]


def _model_io(model):
    inputs, outputs = getattr(model, "inputs", None), getattr(model, "outputs", None)
    if not outputs:
        raise ValueError(
            f"Model '{model.name}' has no graph to draw yet: build it first (start it with "
            "keras.Input(shape) or call it on data)."
        )
    return list(inputs or []), list(outputs)


def _graph(model) -> list[_Box]:
    """One box per layer (a shared layer is one box with several inbound edges)."""
    inputs, outputs = _model_io(model)
    input_ids = {id(t) for t in inputs}
    boxes: dict[int, _Box] = {}
    seen_nodes = set()

    def visit(tensor):
        layer, _, node = _node_of(tensor)
        box = boxes.get(id(layer))
        if box is None:
            box = boxes[id(layer)] = _Box(id(layer), layer.name, type(layer).__name__)
        if id(node) in seen_nodes:
            return box
        seen_nodes.add(id(node))
        box.output_shapes.extend(_shape(t.shape) for t in node.output_tensors)
        if id(tensor) in input_ids or node.is_input:
            return box
        in_shapes = [_shape(t.shape) for t in node.input_tensors]
        box.input_shapes.append(in_shapes[0] if len(in_shapes) == 1 else "[" + ", ".join(in_shapes) + "]")
        for t in node.input_tensors:
            parent = visit(t)
            if parent.key not in box.parents:
                box.parents.append(parent.key)
        return box

    for t in outputs:
        visit(t)
    for t in inputs:  # an input no output depends on is still part of the model
        visit(t)
    first = [id(_node_of(t)[0]) for t in inputs]
    return _ranked(boxes, first)


def _ranked(boxes: dict[int, _Box], first: list[int]) -> list[_Box]:
    """Longest-path ranks from the inputs; within a rank, the model's inputs in order, then
    each box under the mean position of its parents (which keeps edges from crossing)."""
    rank: dict[int, int] = {}

    def depth(key):
        if key not in rank:
            parents = boxes[key].parents
            rank[key] = 0 if not parents else 1 + max(depth(p) for p in parents)
        return rank[key]

    for key, box in boxes.items():
        box.rank = depth(key)
    discovery = {k: i for i, k in enumerate(boxes)}
    slot: dict[int, float] = {}
    ordered = []
    for r in sorted(set(rank.values())):
        row = [b for b in boxes.values() if b.rank == r]

        def place(b):
            if b.key in first:
                return (first.index(b.key), 0)
            if b.parents:
                return (sum(slot[p] for p in b.parents) / len(b.parents), discovery[b.key])
            return (len(first), discovery[b.key])

        row.sort(key=place)
        for i, b in enumerate(row):
            slot[b.key] = i
        ordered.extend(row)
    return ordered


def _label_lines(box: _Box, show_shapes: bool, show_layer_names: bool) -> list[str]:
    head = f"{box.name} ({box.cls})" if show_layer_names else box.cls
    lines = [head]
    if show_shapes:
        if box.input_shapes:
            lines.append("input:  " + _shapes(box.input_shapes))
        lines.append("output: " + _shapes(box.output_shapes))
    return lines


# --------------------------------------------------------------------------- text


def text_tree(model, show_shapes: bool = True) -> str:
    """The graph as an indented tree: each layer, then (indented) what it is computed from."""
    inputs, outputs = _model_io(model)
    input_ids = {id(t) for t in inputs}
    lines = [f'model "{model.name}": each layer is computed from the ones indented under it']
    shown = set()

    def label(tensor):
        layer, _, node = _node_of(tensor)
        text = f"{layer.name} ({type(layer).__name__})"
        if show_shapes:
            text += " → " + _shape(tensor.shape)
        return text

    def walk(tensor, prefix, last, root):
        layer, _, node = _node_of(tensor)
        connector = "" if root else ("└── " if last else "├── ")
        key = (id(layer), id(node))
        is_leaf = id(tensor) in input_ids or node.is_input
        repeat = key in shown and not is_leaf
        lines.append(prefix + connector + label(tensor) + ("  (see above)" if repeat else ""))
        if repeat or is_leaf:
            return
        shown.add(key)
        child_prefix = prefix if root else prefix + ("    " if last else "│   ")
        parents = node.input_tensors
        for i, t in enumerate(parents):
            walk(t, child_prefix, i == len(parents) - 1, False)

    for t in outputs:
        walk(t, "", True, True)
    return "\n".join(lines)


# --------------------------------------------------------------------------- svg / dot

_CHAR_W, _LINE_H, _PAD, _GAP_X, _GAP_Y = 7.2, 16, 10, 24, 40


def to_svg(model, show_shapes=False, show_layer_names=True, rankdir="TB") -> str:
    """The graph as an SVG document, laid out in rows by depth (rankdir TB or LR)."""
    boxes = _graph(model)
    labels = {b.key: _label_lines(b, show_shapes, show_layer_names) for b in boxes}
    size = {k: (max(len(s) for s in v) * _CHAR_W + 2 * _PAD, len(v) * _LINE_H + _PAD)
            for k, v in labels.items()}
    ranks: dict[int, list[_Box]] = {}
    for b in boxes:
        ranks.setdefault(b.rank, []).append(b)
    horizontal = rankdir == "LR"
    # extent of each rank along the rank axis and the widest rank across it
    spans = {r: sum((size[b.key][1] if horizontal else size[b.key][0]) for b in bs) + _GAP_X * (len(bs) - 1)
             for r, bs in ranks.items()}
    depth = {r: max((size[b.key][0] if horizontal else size[b.key][1]) for b in bs) for r, bs in ranks.items()}
    across = max(spans.values()) + 2 * _GAP_X
    pos = {}
    along = _GAP_Y / 2
    for r in sorted(ranks):
        cursor = (across - spans[r]) / 2
        for b in ranks[r]:
            w, h = size[b.key]
            if horizontal:
                pos[b.key] = (along, cursor, w, h)
                cursor += h + _GAP_X
            else:
                pos[b.key] = (cursor, along, w, h)
                cursor += w + _GAP_X
        along += depth[r] + _GAP_Y
    width, height = (along, across) if horizontal else (across, along - _GAP_Y / 2)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="12">',
        f"<title>{html.escape(model.name)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>',
    ]
    for b in boxes:
        x, y, w, h = pos[b.key]
        for p in b.parents:
            px, py, pw, ph = pos[p]
            if horizontal:
                x1, y1, x2, y2 = px + pw, py + ph / 2, x, y + h / 2
            else:
                x1, y1, x2, y2 = px + pw / 2, py + ph, x + w / 2, y
            out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                       'stroke="black" marker-end="url(#arrow)"/>')
    for b in boxes:
        x, y, w, h = pos[b.key]
        out.append(f'<g class="layer" id="{html.escape(b.name)}">')
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="4" '
                   'fill="white" stroke="black"/>')
        for i, line in enumerate(labels[b.key]):
            weight = ' font-weight="bold"' if i == 0 else ""
            out.append(f'<text x="{x + _PAD:.1f}" y="{y + _PAD / 2 + (i + 0.8) * _LINE_H:.1f}"{weight}>'
                       f"{html.escape(line)}</text>")
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_dot(model, show_shapes=False, show_layer_names=True, rankdir="TB") -> str:
    """The graph as graphviz source (what `dot` turns into PNG)."""
    boxes = _graph(model)
    out = [f'digraph "{model.name}" {{', f"  rankdir={rankdir};",
           '  node [shape=box, fontname="monospace", fontsize=11];']
    for b in boxes:
        label = "\\n".join(s.replace('"', '\\"') for s in _label_lines(b, show_shapes, show_layer_names))
        out.append(f'  n{b.key} [label="{label}"];')
    for b in boxes:
        for p in b.parents:
            out.append(f"  n{p} -> n{b.key};")
    out.append("}")
    return "\n".join(out) + "\n"


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96, **kwargs):
    """Draw `model` into `to_file` and return the path written.

    Args:
        model: a built functional or Sequential model.
        to_file: `.svg` (always works), `.dot` (graphviz source), or `.png`/`.pdf` (needs
            graphviz's `dot` on the PATH; without it the SVG is written instead, with a warning).
        show_shapes: add each layer's input and output shapes.
        show_layer_names: show names next to class names.
        rankdir: "TB" (top to bottom) or "LR" (left to right).

    Other Keras arguments (`show_dtype`, `expand_nested`, `dpi`, ...) are accepted and ignored.
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR'. Received: {rankdir!r}")
    path = Path(to_file)
    fmt = path.suffix.lower().lstrip(".") or "png"
    if fmt == "svg":
        path.write_text(to_svg(model, show_shapes, show_layer_names, rankdir), encoding="utf-8")
        return path
    if fmt == "dot":
        path.write_text(to_dot(model, show_shapes, show_layer_names, rankdir), encoding="utf-8")
        return path
    dot = shutil.which("dot")
    if dot is None:
        svg = path.with_suffix(".svg")
        svg.write_text(to_svg(model, show_shapes, show_layer_names, rankdir), encoding="utf-8")
        warnings.warn(
            f"plot_model: graphviz `dot` is not installed, so {path.name} was not drawn; the "
            f"graph is in {svg.name} (SVG). Install graphviz (apt-get install graphviz) for "
            f"{fmt.upper()} files.",
            stacklevel=2,
        )
        return svg
    source = to_dot(model, show_shapes, show_layer_names, rankdir)
    try:
        subprocess.run([dot, f"-T{fmt}", f"-Gdpi={dpi}", "-o", str(path)], input=source.encode(),
                       check=True, capture_output=True, timeout=60)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"plot_model: graphviz could not draw {path}: "
                           f"{e.stderr.decode(errors='replace').strip()}") from e
    return path

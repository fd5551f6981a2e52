"""An op applied to a symbolic tensor outside any layer becomes a node of this layer.

This is how `1 - x`, `x[:, 0]` or `keras.ops.exp(x)` on a Keras tensor work (as in
Keras 3): the op is recorded and replayed with real values when the model runs.
"""

from __future__ import annotations

from kgen.engine.ops import base as ops_base
from kgen.graph import naming
from kgen.graph.layer import Layer


class OpLayer(Layer):
    """Replays `fn(*args, **kwargs)` with the graph's values substituted for its symbols."""

    def __init__(self, fn, op_name, **kwargs):
        super().__init__(name=naming.auto_name(op_name), **kwargs)
        self.fn = fn
        self.op_name = op_name

    def call(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def _call_with_context(self, args, kwargs, training=None):
        return self.fn(*args, **kwargs)

    def get_config(self):
        raise NotImplementedError(
            f"The operation '{self.op_name}' applied directly to a symbolic tensor cannot be "
            "serialised. Wrap it in a Layer subclass to save the model."
        )


def _symbolic_op(fn, args, kwargs, name):
    layer = OpLayer(fn, name)
    layer.built = True
    return layer(*args, **kwargs)


ops_base.symbolic_handler = _symbolic_op

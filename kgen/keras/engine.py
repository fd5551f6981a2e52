"""`keras.engine` / `keras.engine.topology`: where Keras 2 kept Layer, Input and Model."""

from kgen.graph.input_layer import Input, InputLayer  # noqa: F401
from kgen.graph.input_spec import InputSpec  # noqa: F401
from kgen.graph.layer import Layer  # noqa: F401
from kgen.graph.model import Model  # noqa: F401
from kgen.graph.sequential import Sequential  # noqa: F401
from kgen.graph.node import Node  # noqa: F401

topology = __import__("sys").modules[__name__]

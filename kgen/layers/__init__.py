"""Every built-in layer, by family (one module per family; see DESIGN.md)."""

from kgen.graph.input_layer import Input, InputLayer
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer
from kgen.layers.core import Activation, Dense, Dropout, Identity, Lambda
from kgen.layers.merging import (
    Add, Average, Concatenate, Dot, Maximum, Merge, Minimum, Multiply, Subtract, add, average,
    concatenate, dot, maximum, minimum, multiply, subtract,
)
from kgen.layers.reshaping import Flatten, Permute, RepeatVector, Reshape

"""The graph: symbolic tensors, nodes, layers, Functional and Sequential models.

Importing it installs the hook that turns ops on symbolic tensors into graph nodes.
"""

from kgen.graph import op_layer as _op_layer  # noqa: F401

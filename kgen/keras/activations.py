"""keras.activations: activation functions and `get`."""

from kgen.activations import *  # noqa: F401,F403
from kgen.activations import get, serialize  # noqa: F401

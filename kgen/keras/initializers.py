"""keras.initializers: weight initializers and `get`."""

from kgen.initializers import *  # noqa: F401,F403
from kgen.initializers import get, serialize  # noqa: F401

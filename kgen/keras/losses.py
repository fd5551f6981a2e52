"""keras.losses: loss functions and Loss classes (also answers Keras 1's keras.objectives)."""

from kgen.training.losses import *  # noqa: F401,F403
from kgen.training.losses import (  # noqa: F401
    Loss, LossFunctionWrapper, deserialize, get, reduce_values, serialize,
)

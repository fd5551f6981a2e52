"""keras.regularizers: L1, L2, L1L2 (and l1, l2, l1_l2), OrthogonalRegularizer."""

from kgen.training.regularizers import (  # noqa: F401
    L1, L1L2, L2, OrthogonalRegularizer, Regularizer, deserialize, get, l1, l1_l2, l2, orthogonal_regularizer,
    serialize,
)

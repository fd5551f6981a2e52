"""Special functions numpy lacks (erf for exact gelu), as cached numba ufuncs."""

import math

from numba import vectorize


@vectorize(["float32(float32)", "float64(float64)"], cache=True)
def erf(x):
    """Elementwise error function; broadcasts like a numpy ufunc."""
    return math.erf(x)

"""Array kernels: pure functions on numpy float32 arrays (``cpu`` = numba, ``cuda`` = numba-cuda)."""

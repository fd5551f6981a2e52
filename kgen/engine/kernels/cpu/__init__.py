"""CPU kernels: numba (`@njit(cache=True)`, `parallel=True` where it pays) plus numpy BLAS.

Every kernel is a pure function: numpy arrays in (cast to C-contiguous float32 by a thin
Python wrapper when needed), new numpy arrays out.  No knowledge of tensors, layers or
graphs.  Padding is always explicit ((before, after) per spatial axis); the caller turns
Keras 'same' / 'valid' / 'causal' into amounts.

Debugging: run with NUMBA_DISABLE_JIT=1 to execute every kernel as plain Python (slow, but
pdb and print work inside the loops).  Compiled kernels are cached on disk next to these
files (`__pycache__`, or NUMBA_CACHE_DIR), so only the first run pays the compile time.

Threading: numba's OpenMP workers busy-wait after a parallel loop by default and so do
OpenBLAS's after an sgemm; on a 2-core machine the two pools then steal each other's cores
and a 10-100 us kernel that follows a matmul takes ~4 ms (measured).  Importing this
package therefore sets OMP_WAIT_POLICY=PASSIVE unless the user set it; it only takes effect
if numba's OpenMP layer has not been started yet in this process (it starts lazily on the
first parallel kernel call).
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .activation import log_softmax, relu, relu_grad, sigmoid, softmax, softmax_grad, tanh  # noqa: E402
from .conv import (  # noqa: E402
    conv2d,
    conv2d_grad_input,
    conv2d_grad_weight,
    conv3d,
    conv3d_grad_input,
    conv3d_grad_weight,
    depthwise_conv2d,
    depthwise_conv2d_grad_input,
    depthwise_conv2d_grad_weight,
)
from .gather import gather_rows, scatter_add_rows  # noqa: E402
from .matmul import matmul, matmul_tiled  # noqa: E402
from .pool import pool2d, pool2d_grad, pool3d, pool3d_grad  # noqa: E402
from .special import erf  # noqa: E402

__all__ = [
    "matmul",
    "matmul_tiled",
    "conv2d",
    "conv2d_grad_input",
    "conv2d_grad_weight",
    "depthwise_conv2d",
    "depthwise_conv2d_grad_input",
    "depthwise_conv2d_grad_weight",
    "conv3d",
    "conv3d_grad_input",
    "conv3d_grad_weight",
    "pool2d",
    "pool2d_grad",
    "pool3d",
    "pool3d_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "tanh",
    "softmax",
    "softmax_grad",
    "log_softmax",
    "gather_rows",
    "scatter_add_rows",
    "erf",
]

"""CUDA kernels (numba-cuda): `matmul` and `conv2d`, host numpy arrays in and out.

`numba.cuda` here is the maintained numba-cuda package (it installs itself as
`numba.cuda`; numba 0.68's built-in CUDA target is deprecated) - checked with
`numba.cuda.__file__` -> site-packages/numba_cuda/numba/cuda/__init__.py.

Importing this package never touches CUDA: `numba.cuda` is imported, and the kernels are
compiled, on the first call of a kernel (so this module imports fine on a machine without a
GPU).  With NUMBA_ENABLE_CUDASIM=1 the same code runs on numba's CUDA simulator (used by the
tests on GPU-less CI; only practical for small sizes).  Semantics and layouts match the CPU
kernels of the same names in `kgen.engine.kernels.cpu`.
"""

from .conv import conv2d
from .matmul import matmul

__all__ = ["matmul", "conv2d"]

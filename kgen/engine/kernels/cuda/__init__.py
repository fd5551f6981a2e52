"""CUDA kernels (numba-cuda): `matmul` and `conv2d`, host numpy arrays in and out.

`numba.cuda` here is the NVIDIA-maintained numba-cuda package (pip extra `cuda`; a .pth
redirector makes `import numba.cuda` load it, so `numba.cuda.implementation == "NVIDIA"` and
`numba.cuda.__file__` is site-packages/numba_cuda/numba/cuda/__init__.py); numba 0.68 still
ships its deprecated built-in target, used only if numba-cuda is not installed.

Importing this package never touches CUDA: `numba.cuda` is imported, and the kernels are
compiled, on the first call of a kernel (so this module imports fine on a machine without a
GPU).  With NUMBA_ENABLE_CUDASIM=1 the same code runs on numba's CUDA simulator (used by the
tests on GPU-less CI; only practical for small sizes).  Semantics and layouts match the CPU
kernels of the same names in `kgen.engine.kernels.cpu`.
"""

from .conv import conv2d
from .matmul import matmul

__all__ = ["matmul", "conv2d"]

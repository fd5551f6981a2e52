"""Which kernels run: CPU (numba) or CUDA (numba-cuda), chosen per call by name.

    kernel("conv2d")(x, w, strides, dilation, padding)

The device comes from, in order:
  1. `use_device(name)` (a setter that also works as a context manager; tests use it);
  2. the KGEN_DEVICE environment variable, read at each call: `cpu`, `cuda` or `auto`;
  3. `auto` when unset.

`auto` picks `cuda` when numba.cuda.is_available() is True, else `cpu`.  Importing
numba.cuda costs ~0.5 s, so `auto` first looks for an NVIDIA driver without importing it
(/proc/driver/nvidia, /dev/nvidia0, WSL's libcuda, ctypes.util.find_library("cuda")); with
no driver it is `cpu` at a cost of ~15 ms, paid once (the answer is cached).  `auto` never
selects the CUDA simulator (NUMBA_ENABLE_CUDASIM=1): it is a debugging tool, thousands of
times slower than the CPU kernels.  KGEN_DEVICE=cuda forces CUDA: with
NUMBA_ENABLE_CUDASIM=1 that runs the simulator; with neither a GPU nor the simulator,
`kernel()` raises a RuntimeError explaining so.

`kernel(name)` returns the CUDA implementation when the CUDA device is selected and
`kgen.engine.kernels.cuda` has `name`, otherwise the CPU one (the CUDA module only has the
kernels where the GPU pays: matmul and conv2d).  Kernel modules are imported on first use.
"""

from __future__ import annotations

import os
import threading

DEVICES = ("cpu", "cuda")
_CHOICES = ("cpu", "cuda", "auto")

_lock = threading.Lock()
_override: str | None = None  # set by use_device()
_auto_result: str | None = None  # cached answer of the `auto` probe
_cuda_checked = False  # forced cuda verified usable (GPU or simulator)


def _driver_present() -> bool:
    """Cheap test for an NVIDIA driver, without importing numba.cuda."""
    for path in ("/proc/driver/nvidia", "/dev/nvidia0", "/dev/nvidiactl", "/usr/lib/wsl/lib/libcuda.so.1"):
        if os.path.exists(path):
            return True
    import ctypes.util

    return ctypes.util.find_library("nvcuda" if os.name == "nt" else "cuda") is not None


def _probe_auto() -> str:
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        return "cpu"  # never pick the simulator implicitly
    if not _driver_present():
        return "cpu"
    try:
        from numba import cuda

        return "cuda" if cuda.is_available() else "cpu"
    except Exception:  # broken CUDA install: fall back to the CPU
        return "cpu"


def _requested() -> str:
    if _override is not None:
        return _override
    value = os.environ.get("KGEN_DEVICE", "auto").strip().lower() or "auto"
    if value not in _CHOICES:
        raise ValueError(f"KGEN_DEVICE must be one of {', '.join(_CHOICES)}; got {value!r}")
    return value


def current_device() -> str:
    """'cpu' or 'cuda': the device `kernel()` would use right now."""
    global _auto_result
    requested = _requested()
    if requested != "auto":
        return requested
    if _auto_result is None:
        with _lock:
            if _auto_result is None:
                _auto_result = _probe_auto()
    return _auto_result


def _check_cuda_usable() -> None:
    global _cuda_checked
    if _cuda_checked:
        return
    try:
        from numba import cuda

        ok = cuda.is_available()
    except Exception as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(f"the cuda device was selected but numba.cuda cannot be used: {exc}") from exc
    if not ok:
        raise RuntimeError(
            "the cuda device was selected (KGEN_DEVICE=cuda or use_device('cuda')) but no CUDA GPU "
            "is available; set NUMBA_ENABLE_CUDASIM=1 to run the CUDA simulator, or use KGEN_DEVICE=cpu"
        )
    _cuda_checked = True


def kernels_for(device: str | None = None):
    """The kernel module (kgen.engine.kernels.cpu or .cuda) for `device` (default: current)."""
    device = current_device() if device is None else device
    if device == "cuda":
        _check_cuda_usable()
        from kgen.engine.kernels import cuda as module
    elif device == "cpu":
        from kgen.engine.kernels import cpu as module
    else:
        raise ValueError(f"unknown device {device!r}; expected one of {DEVICES}")
    return module


def kernel(name: str):
    """The callable implementing kernel `name` on the current device (CPU fallback)."""
    device = current_device()
    if device == "cuda":
        impl = getattr(kernels_for("cuda"), name, None)
        if impl is not None:
            return impl
    impl = getattr(kernels_for("cpu"), name, None)
    if impl is None or name.startswith("_"):
        raise KeyError(f"no kernel named {name!r}")
    return impl


class use_device:
    """Select a device for this process: `use_device("cuda")`, or scoped:

        with use_device("cpu"):
            ...

    Accepts 'cpu', 'cuda', 'auto' (re-probe the machine, ignoring KGEN_DEVICE) or None (back
    to KGEN_DEVICE).  As a context manager it restores the previous selection on exit.
    """

    def __init__(self, name: str | None):
        global _override
        if name is not None:
            name = name.strip().lower()
            if name not in _CHOICES:
                raise ValueError(f"device must be one of {', '.join(_CHOICES)} or None; got {name!r}")
        self._previous = _override
        self.name = name
        _override = name

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _override
        _override = self._previous
        return False

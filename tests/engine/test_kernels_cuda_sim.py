"""CUDA kernels on numba's CUDA simulator, and device selection.

NUMBA_ENABLE_CUDASIM is read when numba.cuda is first imported, so it cannot be switched on
reliably inside a pytest process that may already have imported numba.cuda (and setting it
here, at module import, would silently put every other test module of the same run on the
simulator).  Each check therefore runs in a fresh `python -c` subprocess whose environment
has NUMBA_ENABLE_CUDASIM=1 set before anything is imported, and compares the CUDA kernel
with the CPU kernel of the same name on small sizes (the simulator runs each GPU thread as a
Python thread).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_py(code: str, **env_overrides) -> str:
    """Run `code` in a fresh interpreter (repo importable) and return its stdout."""
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_ENABLE_CUDASIM", "KGEN_DEVICE")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    env.update({k: v for k, v in env_overrides.items() if v is not None})
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"subprocess failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_cuda_matmul_matches_cpu_on_simulator():
    out = run_py(
        """
        import numpy as np
        from numba import config
        assert config.ENABLE_CUDASIM  # really on the simulator
        from kgen.engine.kernels import cpu, cuda as gpu
        rng = np.random.default_rng(0)
        for m, k, n in [(33, 17, 20), (16, 16, 16), (1, 1, 1), (5, 40, 3), (3, 0, 4)]:
            a = rng.standard_normal((m, k)).astype(np.float32)
            b = rng.standard_normal((k, n)).astype(np.float32)
            got = gpu.matmul(a, b)
            assert got.dtype == np.float32 and got.shape == (m, n), (got.dtype, got.shape)
            np.testing.assert_allclose(got, cpu.matmul(a, b), rtol=1e-5, atol=1e-5)
        print("ok")
        """,
        NUMBA_ENABLE_CUDASIM="1",
    )
    assert out.strip().endswith("ok")


def test_cuda_conv2d_matches_cpu_on_simulator():
    out = run_py(
        """
        import numpy as np
        from kgen.engine.kernels import cpu, cuda as gpu
        rng = np.random.default_rng(1)
        cases = [
            ((2, 5, 5, 3), (3, 3, 3, 2), (1, 1), (1, 1), ((1, 1), (1, 1))),
            ((1, 7, 6, 2), (3, 2, 2, 3), (2, 1), (1, 2), ((1, 0), (0, 2))),
            ((1, 6, 6, 1), (2, 2, 1, 2), (2, 2), (2, 1), ((0, 0), (0, 0))),
        ]
        for xs, ws, s, d, p in cases:
            x = rng.standard_normal(xs).astype(np.float32)
            w = rng.standard_normal(ws).astype(np.float32)
            got = gpu.conv2d(x, w, s, d, p)
            want = cpu.conv2d(x, w, s, d, p)
            assert got.shape == want.shape, (got.shape, want.shape)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        print("ok")
        """,
        NUMBA_ENABLE_CUDASIM="1",
    )
    assert out.strip().endswith("ok")


def test_forced_cuda_device_selects_cuda_kernels_with_cpu_fallback():
    out = run_py(
        """
        import numpy as np
        from kgen.engine import device
        assert device.current_device() == "cuda", device.current_device()
        assert device.kernel("matmul").__module__ == "kgen.engine.kernels.cuda.matmul"
        assert device.kernel("conv2d").__module__ == "kgen.engine.kernels.cuda.conv"
        assert device.kernel("relu").__module__ == "kgen.engine.kernels.cpu.activation"  # no CUDA version
        a = np.ones((3, 4), np.float32)
        np.testing.assert_array_equal(device.kernel("matmul")(a, a.T), np.full((3, 3), 4.0))
        with device.use_device("cpu"):
            assert device.kernel("matmul").__module__ == "kgen.engine.kernels.cpu.matmul"
        assert device.current_device() == "cuda"
        print("ok")
        """,
        NUMBA_ENABLE_CUDASIM="1",
        KGEN_DEVICE="cuda",
    )
    assert out.strip().endswith("ok")


@pytest.mark.parametrize("setting", [None, "auto", "cpu", "CPU"])
def test_default_and_auto_pick_cpu_without_gpu_and_never_the_simulator(setting):
    out = run_py(
        """
        import sys
        from kgen.engine import device
        print(device.current_device(), device.kernel("matmul").__module__, "numba.cuda" in sys.modules)
        """,
        NUMBA_ENABLE_CUDASIM="1",
        KGEN_DEVICE=setting,
    )
    dev, module, cuda_imported = out.split()
    assert (dev, module) == ("cpu", "kgen.engine.kernels.cpu.matmul")
    assert cuda_imported == "False"  # auto did not pay for importing numba.cuda


def test_auto_probe_is_cheap_without_a_driver():
    from kgen.engine import device

    if device._driver_present():
        pytest.skip("an NVIDIA driver is present: auto imports numba.cuda by design")
    out = run_py(
        """
        import sys, time
        from kgen.engine import device
        t = time.perf_counter()
        dev = device.current_device()
        print(dev, time.perf_counter() - t, "numba.cuda" in sys.modules)
        """
    )
    dev, seconds, cuda_imported = out.split()
    assert dev == "cpu" and cuda_imported == "False"
    assert float(seconds) < 0.15


def test_forced_cuda_without_gpu_or_simulator_raises_clearly():
    from kgen.engine import device

    if device._driver_present():
        pytest.skip("a GPU driver is present")
    out = run_py(
        """
        from kgen.engine import device
        try:
            device.kernel("matmul")
        except RuntimeError as e:
            print("RuntimeError", e)
        """,
        KGEN_DEVICE="cuda",
    )
    assert out.startswith("RuntimeError") and "NUMBA_ENABLE_CUDASIM" in out


def test_importing_cuda_kernels_does_not_import_numba_cuda():
    out = run_py(
        """
        import sys
        import kgen.engine.kernels.cuda as g
        print(sorted(g.__all__), "numba.cuda" in sys.modules)
        """
    )
    assert out.strip() == "['conv2d', 'matmul'] False"


def test_invalid_device_setting_is_rejected():
    out = run_py(
        """
        from kgen.engine import device
        try:
            device.current_device()
        except ValueError as e:
            print("ValueError", e)
        """,
        KGEN_DEVICE="tpu",
    )
    assert out.startswith("ValueError") and "KGEN_DEVICE" in out


def test_use_device_setter_and_context_manager_in_process():
    from kgen.engine import device

    before = device.current_device()
    with device.use_device("cpu"):
        assert device.current_device() == "cpu"
        with device.use_device("cuda"):
            assert device.current_device() == "cuda"  # selection only; no kernel launched
        assert device.current_device() == "cpu"
    assert device.current_device() == before
    setter = device.use_device("cpu")  # plain call keeps the selection
    try:
        assert device.current_device() == "cpu"
        assert device.kernel("softmax").__module__ == "kgen.engine.kernels.cpu.activation"
        with pytest.raises(KeyError):
            device.kernel("no_such_kernel")
    finally:
        setter.__exit__(None, None, None)
    with pytest.raises(ValueError):
        device.use_device("gpu")

"""Device code of the tiled matmul, imported only when the kernel is first used.

Kept in its own module with `cuda` as a module global (not a closure variable) so the CUDA
simulator can substitute its fake `cuda` module."""

from numba import cuda, float32

TPB = 16  # threads per block along each axis = tile edge


@cuda.jit
def matmul_tiled(a, b, c):
    """c = a @ b.  One thread per element of c, blocks of TPB x TPB threads.

    Each block walks K in tiles: it loads a TPB x TPB tile of a and of b into shared
    memory (one element per thread, zero outside the matrices so M, N, K need not be
    multiples of TPB), syncs, and every thread accumulates TPB products from shared
    memory.  Global memory is read M*N*K/TPB times instead of M*N*K."""
    sa = cuda.shared.array(shape=(TPB, TPB), dtype=float32)
    sb = cuda.shared.array(shape=(TPB, TPB), dtype=float32)
    col, row = cuda.grid(2)  # grid x runs along the columns of c, y along its rows
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    M = c.shape[0]
    N = c.shape[1]
    K = a.shape[1]
    acc = float32(0.0)
    for t in range((K + TPB - 1) // TPB):
        k_a = t * TPB + tx
        k_b = t * TPB + ty
        sa[ty, tx] = a[row, k_a] if row < M and k_a < K else float32(0.0)
        sb[ty, tx] = b[k_b, col] if k_b < K and col < N else float32(0.0)
        cuda.syncthreads()
        for k in range(TPB):
            acc += sa[ty, k] * sb[k, tx]
        cuda.syncthreads()
    if row < M and col < N:
        c[row, col] = acc

"""The engine: Tensor + ops (forward and backward), kernels chosen per op at call time."""

"""Training: losses, metrics, optimizers, the fit loop, callbacks and persistence."""

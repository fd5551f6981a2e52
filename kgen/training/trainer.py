"""compile / fit / evaluate for Model (the training issue delivers the implementation)."""

from __future__ import annotations


class Trainer:
    """Mixin giving Model its training methods."""

    def compile(self, *args, **kwargs):
        raise NotImplementedError(
            "Training (compile/fit/evaluate) is not implemented in this kgen version yet; "
            "predict() works."
        )

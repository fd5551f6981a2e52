"""keras.optimizers: SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax (Keras 3's update rules)."""

from types import SimpleNamespace as _Namespace

from kgen.training.optimizers import (  # noqa: F401
    SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, ExponentialDecay, InverseTimeDecay, LearningRateSchedule,
    Optimizer, PiecewiseConstantDecay, RMSprop, deserialize, get, serialize,
)

schedules = _Namespace(
    LearningRateSchedule=LearningRateSchedule, ExponentialDecay=ExponentialDecay,
    InverseTimeDecay=InverseTimeDecay, PiecewiseConstantDecay=PiecewiseConstantDecay,
)
legacy = _Namespace(SGD=SGD, RMSprop=RMSprop, Adam=Adam, Adagrad=Adagrad, Adadelta=Adadelta, Adamax=Adamax)

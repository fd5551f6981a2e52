"""keras.callbacks: Callback, History, EarlyStopping, ModelCheckpoint, LambdaCallback, CSVLogger, ..."""

from kgen.training.callbacks import (  # noqa: F401
    Callback, CallbackList, CSVLogger, EarlyStopping, History, LambdaCallback, LearningRateScheduler,
    ModelCheckpoint, ProgbarLogger, ReduceLROnPlateau, TensorBoard, TerminateOnNaN,
)

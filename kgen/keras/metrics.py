"""keras.metrics: Metric classes (Mean, accuracies, ...) and metric functions."""

from kgen.training.metrics import *  # noqa: F401,F403
from kgen.training.metrics import Metric, MeanMetricWrapper, deserialize, get, serialize  # noqa: F401

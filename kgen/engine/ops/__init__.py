"""The op set: one definition per op (forward + backward), seen through three doors.

`keras.ops.*`, `keras.backend.*` (K) and Tensor methods/operators all call these.
On numpy input they compute eagerly and return numpy; on engine Tensors they return
Tensors recorded for autodiff; on symbolic tensors they build graph nodes.
"""

from kgen.engine.ops.base import Op, apply, composite, is_symbolic, unbroadcast
from kgen.engine.ops.elementwise import (
    abs, absolute, add, cast, ceil, clip, cos, divide, equal, exp, floor, greater,
    greater_equal, less, less_equal, log, log1p, logical_and, logical_not, logical_or,
    maximum, minimum, multiply, negative, not_equal, power, reciprocal, round, sign, sin,
    sqrt, square, subtract, where,
)
from kgen.engine.ops.activation import (
    elu, erf, exponential, gelu, hard_sigmoid, hard_silu, leaky_relu, linear, log_softmax,
    relu, relu6, selu, sigmoid, silu, softmax, softplus, softsign, swish, tanh,
)
from kgen.engine.ops.linalg import batch_dot, dot, matmul, tensordot
from kgen.engine.ops.reduction import (
    argmax, argmin, l2_normalize, logsumexp, max, mean, min, norm, prod, std, sum, var,
)
from kgen.engine.ops.shape import (
    broadcast_to, concatenate, expand_dims, flatten_batch, flip, getitem, moveaxis, pad,
    repeat, reshape, split, squeeze, stack, swapaxes, tile, transpose, unstack,
)
from kgen.engine.ops.gather import one_hot, take

true_divide = divide
from kgen.engine.ops.conv import conv, conv_transpose, depthwise_conv, separable_conv
from kgen.engine.ops.pool import average_pool, max_pool
from kgen.engine.ops.resize import upsample
from kgen.engine.ops.recurrent import gru_scan, lstm_scan, simple_rnn_scan

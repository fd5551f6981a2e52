"""Every built-in layer, by family (one module per family; see DESIGN.md)."""

from kgen.graph.input_layer import Input, InputLayer
from kgen.graph.input_spec import InputSpec
from kgen.graph.layer import Layer
from kgen.layers.core import Activation, Dense, Dropout, Identity, Lambda
from kgen.layers.merging import (
    Add, Average, Concatenate, Dot, Maximum, Merge, Minimum, Multiply, Subtract, add, average,
    concatenate, dot, maximum, minimum, multiply, subtract,
)
from kgen.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from kgen.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from kgen.layers.convolutional import (
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, Convolution1D, Convolution2D,
    Convolution2DTranspose, Convolution3D, Convolution3DTranspose, DepthwiseConv1D, DepthwiseConv2D,
    SeparableConv1D, SeparableConv2D, SeparableConvolution1D, SeparableConvolution2D,
)
from kgen.layers.embedding import Embedding, Masking
from kgen.layers.noise import (
    ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D,
    SpatialDropout3D,
)
from kgen.layers.normalization import BatchNormalization, LayerNormalization
from kgen.layers.pooling import (
    AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D, GlobalAveragePooling1D,
    GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D,
    GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
    MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
)
from kgen.layers.reshaping import (
    Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D,
    ZeroPadding3D,
)
from kgen.layers.recurrent import (
    GRU, LSTM, RNN, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, ConvLSTMCell, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell,
    StackedRNNCells,
)
from kgen.layers.wrappers import Bidirectional, TimeDistributed
from kgen.layers.locally_connected import LocallyConnected1D, LocallyConnected2D

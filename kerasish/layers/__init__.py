"""Layers, with Keras 3's names (``kerasish.layers.Dense`` ...)."""

from kerasish.layers.activation_layers import Activation, LeakyReLU, ReLU, Softmax
from kerasish.layers.base import KerasTensor, Layer
from kerasish.layers.conv import (Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D,
                                  SeparableConv2D)
from kerasish.layers.core import Dense, Input, InputLayer
from kerasish.layers.embedding import Embedding, Rescaling
from kerasish.layers.masking import Masking
from kerasish.layers.functional_helpers import (add, average, concatenate, dot, maximum,
                                                minimum, multiply, subtract)
from kerasish.layers.lambda_layer import Lambda
from kerasish.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                     Subtract)
from kerasish.layers.normalization import BatchNormalization, LayerNormalization
from kerasish.layers.pooling import (AveragePooling1D, AveragePooling2D,
                                     GlobalAveragePooling1D, GlobalAveragePooling2D,
                                     GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D,
                                     MaxPooling2D)
from kerasish.layers.preprocessing import Normalization
from kerasish.layers.regularization import Dropout
from kerasish.layers.recurrent import GRU, LSTM, RNN, SimpleRNN
from kerasish.layers.reshaping import Flatten, Reshape
from kerasish.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from kerasish.layers.wrappers import Bidirectional, TimeDistributed

__all__ = ["Add", "Average", "Concatenate", "Maximum", "Minimum", "Multiply", "Subtract",
           "Dense", "Input", "InputLayer", "KerasTensor", "Layer", "Normalization",
           # convolution, pooling and the everyday layers around them
           "Activation", "AveragePooling1D", "AveragePooling2D", "BatchNormalization",
           "Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "Dropout", "Embedding",
           "Flatten", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "LayerNormalization", "LeakyReLU",
           "Masking", "MaxPooling1D", "MaxPooling2D", "ReLU", "Reshape", "Rescaling",
           "SeparableConv2D", "Softmax",
           # sequences
           "Bidirectional", "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN",
           "SimpleRNNCell", "StackedRNNCells", "TimeDistributed",
           # merging functions and the Lambda/Dot layers
           "Dot", "Lambda", "add", "average", "concatenate", "dot", "maximum", "minimum",
           "multiply", "subtract"]


from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))

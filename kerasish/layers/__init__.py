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

from kerasish.layers.conv_more import (Conv1DTranspose, Conv3D, Conv3DTranspose,  # noqa: E402
                                       Convolution1D, Convolution1DTranspose, Convolution2D,
                                       Convolution2DTranspose, Convolution3D,
                                       Convolution3DTranspose, DepthwiseConv1D,
                                       SeparableConv1D, SeparableConvolution1D,
                                       SeparableConvolution2D)
from kerasish.layers.pooling import (AveragePooling3D, AvgPool1D, AvgPool2D,  # noqa: E402
                                     AvgPool3D, GlobalAveragePooling3D, GlobalAvgPool1D,
                                     GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D,
                                     GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling3D,
                                     MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling3D)
from kerasish.layers.adaptive_pooling import (  # noqa: E402
    AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from kerasish.layers.upsampling import UpSampling1D, UpSampling2D, UpSampling3D  # noqa: E402
from kerasish.layers.padding_cropping import (Cropping1D, Cropping2D, Cropping3D,  # noqa: E402
                                              ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from kerasish.layers.reshaping import Permute, RepeatVector  # noqa: E402
from kerasish.layers.noise import (ActivityRegularization, AlphaDropout,  # noqa: E402
                                   GaussianDropout, GaussianNoise, SpatialDropout1D,
                                   SpatialDropout2D, SpatialDropout3D)
from kerasish.layers.normalization_more import (GroupNormalization,  # noqa: E402
                                                RMSNormalization, UnitNormalization)
from kerasish.layers.activation_layers import ELU, PReLU  # noqa: E402
from kerasish.layers.einsum_dense import EinsumDense, Identity  # noqa: E402

# vision layers and the sequence glue (issues 15 and 16)
__all__ += [
    "Conv1DTranspose", "Conv3D", "Conv3DTranspose", "Convolution1D",
    "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
    "Convolution3D", "Convolution3DTranspose", "DepthwiseConv1D", "SeparableConv1D",
    "SeparableConvolution1D", "SeparableConvolution2D", "AveragePooling3D", "AvgPool1D",
    "AvgPool2D", "AvgPool3D", "GlobalAveragePooling3D", "GlobalAvgPool1D",
    "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D",
    "GlobalMaxPool3D", "GlobalMaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D",
    "MaxPooling3D", "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D",
    "AdaptiveMaxPooling3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "Cropping1D", "Cropping2D", "Cropping3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D", "Permute", "RepeatVector", "ActivityRegularization",
    "AlphaDropout", "GaussianDropout", "GaussianNoise", "SpatialDropout1D",
    "SpatialDropout2D", "SpatialDropout3D", "GroupNormalization", "RMSNormalization",
    "UnitNormalization", "ELU", "PReLU", "EinsumDense", "Identity"]


from kerasish.layers.sequence_layers import (AdditiveAttention, Attention, CategoryEncoding, Discretization, GroupedQueryAttention, GroupQueryAttention, HashedCrossing, Hashing, IntegerLookup, MultiHeadAttention, StringLookup, TextVectorization)  # noqa: E402,E501,F401
__all__ += ["AdditiveAttention", "Attention", "GroupQueryAttention", "MultiHeadAttention", "CategoryEncoding", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup", "StringLookup", "TextVectorization"]  # noqa: E501

from kerasish.layers.image_preprocessing import CenterCrop, Resizing  # noqa: E402
from kerasish.layers.augmentation import (RandomCrop, RandomFlip, RandomRotation,  # noqa: E402
                                          RandomShear, RandomTranslation, RandomZoom)
from kerasish.layers.augmentation_color import (AutoContrast, RandomBrightness,  # noqa: E402
                                                RandomContrast, RandomGrayscale, RandomInvert,
                                                Solarization)
from kerasish.layers.augmentation_more import (RandomHue, RandomPosterization,  # noqa: E402
                                               RandomSaturation, RandomSharpness)
__all__ += ["RandomHue", "RandomPosterization", "RandomSaturation", "RandomSharpness"]
from kerasish.layers.augmentation_mix import (Pipeline, RandomColorJitter,  # noqa: E402
                                              RandomGaussianBlur)
__all__ += ["Pipeline", "RandomColorJitter", "RandomGaussianBlur"]
__all__ += ["AutoContrast", "CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip", "RandomGrayscale", "RandomInvert", "RandomRotation", "RandomShear", "RandomTranslation", "RandomZoom", "Resizing", "Solarization"]  # noqa: E501

from kerasish.utils.naming import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, lambda: list(globals()))

from kerasish.layers.serialization import deserialize, serialize  # noqa: E402
__all__ += ["deserialize", "serialize"]
from kerasish.layers.augmentation_batch import CutMix, MixUp  # noqa: E402
from kerasish.layers.augmentation_policy import AugMix, RandAugment, RandomColorDegeneration  # noqa: E402,E501
__all__ += ["AugMix", "CutMix", "MixUp", "RandAugment", "RandomColorDegeneration"]
from kerasish.layers.augmentation_extra import Equalization, RandomErasing, RandomPerspective  # noqa: E402,E501
__all__ += ["Equalization", "RandomErasing", "RandomPerspective"]
from kerasish.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D  # noqa: E402
__all__ += ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
from kerasish.layers.spectral_normalization import SpectralNormalization  # noqa: E402
__all__ += ["SpectralNormalization"]
from kerasish.layers.input_spec import InputSpec  # noqa: E402
__all__ += ["InputSpec"]
from kerasish.layers.wrapper_base import Wrapper  # noqa: E402
__all__ += ["Wrapper"]
from kerasish.layers.jax_layer import JaxLayer  # noqa: E402
__all__ += ["JaxLayer"]
from kerasish.layers.reversible_embedding import ReversibleEmbedding  # noqa: E402
__all__ += ["ReversibleEmbedding"]

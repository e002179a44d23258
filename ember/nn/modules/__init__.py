"""The layers of ``ember.nn``, one file per family as in torch/nn/modules."""
from .module import Module
from .container import Container, Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Identity, Linear, Bilinear, LazyLinear
from .flatten import Flatten, Unflatten
from .activation import (Threshold, ReLU, Hardtanh, ReLU6, Sigmoid, Hardsigmoid, Tanh, SiLU, Mish, Hardswish, ELU,
                         CELU, SELU, GLU, GELU, LeakyReLU, LogSigmoid, Softplus, Softsign, Tanhshrink, Softmin,
                         Softmax, Softmax2d, LogSoftmax)
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout
from .sparse import Embedding
from .normalization import LayerNorm, RMSNorm
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .pooling import (MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, AdaptiveAvgPool1d,
                      AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d,
                      LPPool1d, LPPool2d)
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d, SyncBatchNorm
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .groupnorm import GroupNorm
from .fold import Fold, Unfold
from .loss import (L1Loss, NLLLoss, NLLLoss2d, KLDivLoss, MSELoss, BCELoss, BCEWithLogitsLoss, SmoothL1Loss, HuberLoss,
                   CrossEntropyLoss)

__all__ = ['Module', 'Container', 'Sequential', 'ModuleList', 'ModuleDict', 'ParameterList', 'ParameterDict',
           'Identity', 'Linear', 'Bilinear', 'LazyLinear', 'Flatten', 'Unflatten',
           'Threshold', 'ReLU', 'Hardtanh', 'ReLU6', 'Sigmoid', 'Hardsigmoid', 'Tanh', 'SiLU', 'Mish', 'Hardswish',
           'ELU', 'CELU', 'SELU', 'GLU', 'GELU', 'LeakyReLU', 'LogSigmoid', 'Softplus', 'Softsign', 'Tanhshrink',
           'Softmin', 'Softmax', 'Softmax2d', 'LogSoftmax',
           'Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout', 'Embedding',
           'LayerNorm', 'RMSNorm',
           'L1Loss', 'NLLLoss', 'NLLLoss2d', 'KLDivLoss', 'MSELoss', 'BCELoss', 'BCEWithLogitsLoss', 'SmoothL1Loss',
           'HuberLoss', 'CrossEntropyLoss',
           'Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d',
           'MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d', 'AdaptiveAvgPool1d',
           'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d', 'AdaptiveMaxPool3d',
           'LPPool1d', 'LPPool2d', 'BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'SyncBatchNorm', 'InstanceNorm1d',
           'InstanceNorm2d', 'InstanceNorm3d', 'GroupNorm', 'Fold', 'Unfold']
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell  # noqa: E402
__all__ += ['RNNBase', 'RNN', 'LSTM', 'GRU', 'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell']
from .attention import MultiheadAttention  # noqa: E402
from .transformer import (Transformer, TransformerEncoder, TransformerDecoder, TransformerEncoderLayer,  # noqa: E402
                          TransformerDecoderLayer)
__all__ += ['MultiheadAttention', 'Transformer', 'TransformerEncoder', 'TransformerDecoder',
            'TransformerEncoderLayer', 'TransformerDecoderLayer']
from .activation import PReLU, RReLU, Hardshrink, Softshrink  # noqa: E402
from .pixelshuffle import PixelShuffle, PixelUnshuffle  # noqa: E402
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d  # noqa: E402
from .loss import (MarginRankingLoss, CosineEmbeddingLoss, TripletMarginLoss, PoissonNLLLoss,  # noqa: E402
                   GaussianNLLLoss)
__all__ += ['PReLU', 'RReLU', 'Hardshrink', 'Softshrink', 'PixelShuffle', 'PixelUnshuffle', 'Upsample',
            'UpsamplingNearest2d', 'UpsamplingBilinear2d', 'MarginRankingLoss', 'CosineEmbeddingLoss',
            'TripletMarginLoss', 'PoissonNLLLoss', 'GaussianNLLLoss']
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,  # noqa: E402
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                      ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .distance import PairwiseDistance, CosineSimilarity  # noqa: E402
__all__ += ['CircularPad1d', 'CircularPad2d', 'CircularPad3d', 'ConstantPad1d', 'ConstantPad2d', 'ConstantPad3d',
            'ReflectionPad1d', 'ReflectionPad2d', 'ReflectionPad3d', 'ReplicationPad1d', 'ReplicationPad2d',
            'ReplicationPad3d', 'ZeroPad1d', 'ZeroPad2d', 'ZeroPad3d', 'PairwiseDistance', 'CosineSimilarity']
from .loss import (HingeEmbeddingLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss,  # noqa: E402
                   MultiLabelMarginLoss, TripletMarginWithDistanceLoss)
__all__ += ['HingeEmbeddingLoss', 'SoftMarginLoss', 'MultiLabelSoftMarginLoss', 'MultiMarginLoss',
            'MultiLabelMarginLoss', 'TripletMarginWithDistanceLoss']
from .normalization import LocalResponseNorm  # noqa: E402
from .channelshuffle import ChannelShuffle  # noqa: E402
__all__ += ['LocalResponseNorm', 'ChannelShuffle']
from .pooling import MaxUnpool1d, MaxUnpool2d, MaxUnpool3d  # noqa: E402
__all__ += ['MaxUnpool1d', 'MaxUnpool2d', 'MaxUnpool3d']
from .sparse import EmbeddingBag  # noqa: E402
__all__ += ['EmbeddingBag']
from .loss import CTCLoss  # noqa: E402
__all__ += ['CTCLoss']
from .pooling import LPPool3d, FractionalMaxPool2d, FractionalMaxPool3d  # noqa: E402
__all__ += ['LPPool3d', 'FractionalMaxPool2d', 'FractionalMaxPool3d']
from .lazy import (LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d,  # noqa: E402
                   LazyConvTranspose3d, LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyInstanceNorm1d,
                   LazyInstanceNorm2d, LazyInstanceNorm3d)
__all__ += ['LazyConv1d', 'LazyConv2d', 'LazyConv3d', 'LazyConvTranspose1d', 'LazyConvTranspose2d',
            'LazyConvTranspose3d', 'LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyBatchNorm3d', 'LazyInstanceNorm1d',
            'LazyInstanceNorm2d', 'LazyInstanceNorm3d']
from .adaptive import AdaptiveLogSoftmaxWithLoss  # noqa: E402
__all__ += ['AdaptiveLogSoftmaxWithLoss']

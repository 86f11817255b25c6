"""lincoln: the deep-learning library of *Deep Learning from Scratch* (Weidman, 2019), in numpy.

The book's imports work as printed (``from lincoln.layers import Dense``); the most used classes
are also available at the top level (``from lincoln import Dense, NeuralNetwork``).
"""

from lincoln.activations import LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from lincoln.base import Operation, ParamOperation
from lincoln.layers import AvgPool2D, Conv2D, Dense, Layer, MaxPool2D
from lincoln.losses import Loss, MeanSquaredError, SoftmaxCrossEntropy
from lincoln.metrics import accuracy, confusion_matrix
from lincoln.network import LayerBlock, NeuralNetwork
from lincoln.optimizers import SGD, AdaGrad, Adam, Optimizer, RegularizedSGD, SGDMomentum
from lincoln.train import History, Trainer

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "AdaGrad",
    "Adam",
    "AvgPool2D",
    "Conv2D",
    "Dense",
    "History",
    "Layer",
    "LayerBlock",
    "LeakyReLU",
    "Linear",
    "Loss",
    "MaxPool2D",
    "MeanSquaredError",
    "NeuralNetwork",
    "Operation",
    "Optimizer",
    "ParamOperation",
    "RegularizedSGD",
    "ReLU",
    "SGDMomentum",
    "Sigmoid",
    "SoftmaxCrossEntropy",
    "Tanh",
    "Trainer",
    "accuracy",
    "confusion_matrix",
]

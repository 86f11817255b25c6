"""Recurrent networks for chapter 6: RNN, GRU and LSTM layers, RNNModel, optimizers, RNNTrainer.

The book's chapter 6 names, importable from one place::

    from lincoln.rnn import LSTMLayer, RNNModel, AdaGrad, RNNTrainer

``SGD`` and ``AdaGrad`` here are the RNN optimizers (with gradient clipping); the ones for
``NeuralNetwork`` are in ``lincoln.optimizers``.
"""

from lincoln.rnn.layers import GRULayer, LSTMLayer, RecurrentLayer, RNNLayer
from lincoln.rnn.model import RNNModel
from lincoln.rnn.nodes import GRUNode, LSTMNode, RecurrentNode, RNNNode
from lincoln.rnn.optimizers import SGD, AdaGrad, RNNOptimizer
from lincoln.rnn.trainer import RNNTrainer

__all__ = [
    "SGD",
    "AdaGrad",
    "GRULayer",
    "GRUNode",
    "LSTMLayer",
    "LSTMNode",
    "RNNLayer",
    "RNNModel",
    "RNNNode",
    "RNNOptimizer",
    "RNNTrainer",
    "RecurrentLayer",
    "RecurrentNode",
]

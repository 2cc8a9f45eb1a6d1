"""The lecture's models, written as the lecture writes them, with ``keras`` replaced by ``sloi``."""

from sloi.layers import (
    GRU,
    LSTM,
    Bidirectional,
    Conv1D,
    Conv2D,
    Dense,
    Embedding,
    Flatten,
    Input,
    MaxPooling2D,
    concatenate,
)
from sloi.models import Model, Sequential


def dense_model() -> Model:
    """Input (1000,) → Dense 16 → Dense 16 → Dense 1: the functional API's first example."""
    input_layer = Input(shape=(1000,))
    layer_1 = Dense(16, activation="relu")(input_layer)
    layer_2 = Dense(16, activation="relu")(layer_1)
    output_layer = Dense(1, activation="sigmoid")(layer_2)
    return Model(inputs=input_layer, outputs=output_layer)


def two_branch_model() -> Model:
    """Two convolutional branches from one (64, 64, 1) input, joined by ``concatenate``."""
    visible = Input(shape=(64, 64, 1))
    conv1 = Conv2D(64, kernel_size=4, activation="relu")(visible)  # left branch
    flat1 = Flatten()(conv1)
    conv2 = Conv2D(32, kernel_size=8, activation="relu")(visible)  # right branch
    pool2 = MaxPooling2D(pool_size=(2, 2))(conv2)
    flat2 = Flatten()(pool2)
    merge = concatenate([flat1, flat2])
    output_layer = Dense(1, activation="sigmoid")(merge)
    return Model(inputs=visible, outputs=output_layer)


def lstm_model(return_sequences: bool = False) -> Sequential:
    """Embedding(50, 10, input_length=1000) → LSTM(32): options 1 and 2 of the LSTM section."""
    model = Sequential()
    model.add(Embedding(50, 10, input_length=1000))
    model.add(LSTM(32, return_sequences=return_sequences))
    return model


def bidirectional_model() -> Sequential:
    """Two Bidirectional LSTMs and a Dense head on (5, 10) inputs."""
    model = Sequential()
    model.add(Bidirectional(LSTM(64, return_sequences=True), input_shape=(5, 10)))
    model.add(Bidirectional(LSTM(32)))
    model.add(Dense(10))
    return model


def gru_model() -> Sequential:
    """Embedding → GRU(16, return_sequences=True)."""
    model = Sequential()
    model.add(Embedding(50, 10, input_length=1000))
    model.add(GRU(16, return_sequences=True))
    return model


def conv1d_model() -> Sequential:
    """Embedding → Conv1D(20, 5, relu): one-dimensional convolution over a text."""
    model = Sequential()
    model.add(Embedding(50, 10, input_length=1000))
    model.add(Conv1D(20, 5, activation="relu"))
    return model

"""The model and data shared by the DDP test and its worker processes."""

import numpy as np

import sloi

SEED = 7


def build_model():
    model = sloi.Sequential([sloi.layers.Input((5, 3)), sloi.layers.LSTM(8),
                             sloi.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def data():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 5, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None].astype("float32") * 0.1
    return x, y

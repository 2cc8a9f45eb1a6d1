"""The lecture's Dense and two-branch Conv2D models, built with any Keras-like module ``K``
(``sloi`` or ``keras``): shared by ``peers.py`` (which also runs them in a Keras-only Python)
and ``train.py``. Nothing here imports torch or sloi."""

from __future__ import annotations


def dense(K):
    x = K.layers.Input(shape=(1000,))
    h = K.layers.Dense(16, activation="relu")(x)
    h = K.layers.Dense(16, activation="relu")(h)
    return K.Model(x, K.layers.Dense(1, activation="sigmoid")(h))


def two_branches(K):
    visible = K.layers.Input(shape=(64, 64, 1))
    flat1 = K.layers.Flatten()(K.layers.Conv2D(64, kernel_size=4, activation="relu")(visible))
    conv2 = K.layers.Conv2D(32, kernel_size=8, activation="relu")(visible)
    flat2 = K.layers.Flatten()(K.layers.MaxPooling2D(pool_size=(2, 2))(conv2))
    merged = K.layers.concatenate([flat1, flat2])
    return K.Model(visible, K.layers.Dense(1, activation="sigmoid")(merged))

"""``sloi.utils``: helpers at the paths Keras users type (``keras.utils``)."""

from sloi.preprocessing.sequence import pad_sequences
from sloi.saving import custom_object_scope, get_registered_object, register_keras_serializable
from sloi.training.py_dataset import PyDataset, Sequence
from sloi.utils.dataset_split import split_dataset
from sloi.utils.model_svg import model_to_svg
from sloi.utils.numerical import normalize, to_categorical
from sloi.utils.plot_model import GraphvizNotFoundError, model_to_dot, plot_model
from sloi.utils.random import set_random_seed
from sloi.utils.text_dataset import text_dataset_from_directory
from sloi.utils.timeseries_dataset import timeseries_dataset_from_array

__all__ = [
    "PyDataset", "Sequence", "custom_object_scope", "get_registered_object", "normalize",
    "pad_sequences", "register_keras_serializable", "set_random_seed", "split_dataset",
    "text_dataset_from_directory", "timeseries_dataset_from_array", "to_categorical",
    "GraphvizNotFoundError", "model_to_dot", "model_to_svg", "plot_model",
]

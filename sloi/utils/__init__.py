"""``sloi.utils``: helpers at the paths Keras users type (``keras.utils``)."""

from sloi.backend import clear_session, is_keras_tensor, standardize_dtype
from sloi.preprocessing.sequence import pad_sequences
from sloi.progbar import Progbar
from sloi.saving import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from sloi.settings import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from sloi.training.py_dataset import PyDataset, Sequence
from sloi.utils.audio_dataset import audio_dataset_from_directory
from sloi.utils.config import Config
from sloi.utils.data_packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from sloi.utils.dataset_split import split_dataset
from sloi.utils.feature_space import FeatureSpace
from sloi.utils.file_utils import get_file
from sloi.utils.image_dataset import image_dataset_from_directory
from sloi.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from sloi.utils.model_svg import model_to_svg
from sloi.utils.numerical import normalize, to_categorical
from sloi.utils.plot_model import GraphvizNotFoundError, model_to_dot, plot_model
from sloi.utils.random import set_random_seed
from sloi.utils.source_inputs import get_source_inputs
from sloi.utils.text_dataset import text_dataset_from_directory
from sloi.utils.timeseries_dataset import timeseries_dataset_from_array

__all__ = [
    "Config", "CustomObjectScope", "FeatureSpace", "GraphvizNotFoundError", "Progbar",
    "PyDataset", "Sequence", "array_to_img", "audio_dataset_from_directory", "clear_session",
    "custom_object_scope", "deserialize_keras_object", "disable_interactive_logging",
    "enable_interactive_logging", "get_custom_objects", "get_file", "get_registered_name",
    "get_registered_object", "get_source_inputs", "image_dataset_from_directory",
    "img_to_array", "is_interactive_logging_enabled", "is_keras_tensor", "load_img",
    "model_to_dot", "model_to_svg", "normalize", "pack_x_y_sample_weight", "pad_sequences",
    "plot_model", "register_keras_serializable", "save_img", "serialize_keras_object",
    "set_random_seed", "split_dataset", "standardize_dtype", "text_dataset_from_directory",
    "timeseries_dataset_from_array", "to_categorical", "unpack_x_y_sample_weight",
]

"""Preprocessing layers: text, categories, numbers, images and audio."""

from sloi.layers.preprocessing.category_encoding import CategoryEncoding
from sloi.layers.preprocessing.center_crop import CenterCrop
from sloi.layers.preprocessing.discretization import Discretization
from sloi.layers.preprocessing.hashed_crossing import HashedCrossing
from sloi.layers.preprocessing.hashing import Hashing
from sloi.layers.preprocessing.integer_lookup import IntegerLookup
from sloi.layers.preprocessing.mel_spectrogram import MelSpectrogram
from sloi.layers.preprocessing.normalization import Normalization
from sloi.layers.preprocessing.rescaling import Rescaling
from sloi.layers.preprocessing.resizing import Resizing
from sloi.layers.preprocessing.stft_spectrogram import STFTSpectrogram
from sloi.layers.preprocessing.string_lookup import StringLookup
from sloi.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
    "CategoryEncoding", "CenterCrop", "Discretization", "HashedCrossing", "Hashing",
    "IntegerLookup", "MelSpectrogram", "Normalization", "Rescaling", "Resizing",
    "STFTSpectrogram", "StringLookup", "TextVectorization",
]

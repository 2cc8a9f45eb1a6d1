"""``VocabularyAssets``: how a vocabulary layer (``StringLookup``, ``IntegerLookup``,
``TextVectorization``) keeps its tokens and idf weights, and what Keras 3 saves of them besides
the config: the vocabulary as the asset ``vocabulary.txt`` and, in ``"tf_idf"`` mode, the idf
weights as the layer's one variable; and ``refuse_vocabulary_file``, which keeps a config from
pointing at a file."""

from __future__ import annotations

import os

import numpy as np


class VocabularyAssets:
    """Mixed into a vocabulary layer that has ``output_mode``, ``max_tokens``,
    ``pad_to_max_tokens``, ``get_vocabulary()``, ``set_vocabulary(tokens, idf_weights)``,
    ``_token_start_index()`` (the index of the first token after the special ones) and
    ``_where()`` (the layer named for errors). The tokens are kept in ``_tokens``, their
    indices in ``_index`` and the idf weights in ``_idf`` (None until set)."""

    def _set_tokens(self, tokens: list, idf: np.ndarray | None) -> None:
        start = self._token_start_index()
        self._tokens = list(tokens)
        self._index = {t: start + i for i, t in enumerate(tokens)}
        if idf is not None:
            idf = idf.astype(np.float32)
            if self.pad_to_max_tokens:
                idf = np.concatenate([idf, np.zeros(self.max_tokens - len(idf), np.float32)])
            self._idf = idf

    def save_own_variables(self, store) -> None:
        """Keras keeps the tf-idf weights (padding included) as the layer's one variable."""
        if self.output_mode == "tf_idf" and self._idf is not None:
            store["idf_weights"] = self._idf.copy()

    def load_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self._idf = np.asarray(store["idf_weights"], dtype=np.float32).copy()

    def save_assets(self, dir_path) -> None:
        """Write ``vocabulary.txt`` (one token a line, special tokens first), as Keras does."""
        path = os.path.join(dir_path, "vocabulary.txt")
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join(str(t) for t in self.get_vocabulary()))
        os.replace(tmp, path)

    def load_assets(self, dir_path) -> None:
        """Read Keras's ``vocabulary.txt``; in ``"tf_idf"`` mode the idf weights already set
        (from the config or the weights file) are kept."""
        lines = read_vocabulary_lines(os.path.join(dir_path, "vocabulary.txt"), self._where())
        idf = None
        if self.output_mode == "tf_idf":
            if self._idf is None:
                raise ValueError(f"{self._where()}: set the idf weights before loading a "
                                 "tf_idf vocabulary")
            idf = self._idf[:len(lines)]
        self.set_vocabulary(lines, idf)


def read_vocabulary_lines(path, where: str, encoding: str = "utf-8") -> list:
    """The lines of a vocabulary file (one token a line, trailing empty lines dropped); a
    missing file is an error that names ``where`` (the layer)."""
    if not os.path.isfile(path):
        raise ValueError(f"{where}: the vocabulary file {str(path)!r} does not exist")
    with open(path, encoding=encoding) as f:
        lines = f.read().splitlines()
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def refuse_vocabulary_file(cls, config: dict) -> None:
    """A config whose ``vocabulary`` is a path is refused: loading never reads files a config
    points to."""
    if isinstance(config.get("vocabulary"), (str, os.PathLike)):
        raise ValueError(
            f'Layer "{config.get("name")}" ({cls.__name__}): a config names the vocabulary '
            f"file {config['vocabulary']!r}; loading never reads files a config points to. "
            "Put the tokens themselves in the config")

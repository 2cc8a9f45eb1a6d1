"""``sloi.layers.serialize`` / ``deserialize`` write and read the configs Keras's do."""

import sloi


def test_serialize_matches_keras_and_deserialize_reads_keras_s_dict():
    import keras

    ours = sloi.layers.serialize(sloi.layers.Dense(3, activation="relu", name="d"))
    theirs = keras.layers.serialize(keras.layers.Dense(3, activation="relu", name="d"))
    assert ours["class_name"] == theirs["class_name"] == "Dense"
    assert ours["config"]["units"] == theirs["config"]["units"] == 3
    rebuilt = sloi.layers.deserialize(theirs)
    assert isinstance(rebuilt, sloi.layers.Dense) and rebuilt.units == 3
    assert rebuilt.get_config()["activation"] == "relu"
    assert sloi.layers.deserialize(ours).name == "d"


def test_quantization_arguments_are_accepted_at_none_and_refused_otherwise():
    import pytest

    assert sloi.layers.Dense(2, quantization_config=None).get_config()[
        "quantization_config"] is None
    with pytest.raises(ValueError, match=r'Layer "d" \(Dense\): lora_rank=4 .*not support'):
        sloi.layers.Dense(2, lora_rank=4, name="d")
    with pytest.raises(ValueError, match=r"\(Embedding\): quantization_config='int8'"):
        sloi.layers.Embedding(5, 2, quantization_config="int8")

"""Config against keras.utils.Config: the same operations give the same results."""

import json

import keras
import pytest

from sloi.utils import Config


def both(**kwargs):
    return Config(**kwargs), keras.utils.Config(**kwargs)


def test_attribute_and_item_access_agree_with_keras():
    for config in both(learning_rate=0.1, momentum=0.9):
        config.seed = 123
        config["use_ema"] = True
        assert config.seed == config["seed"] == 123 and config.use_ema is True
    ours, theirs = both(learning_rate=0.1, momentum=0.9)
    for c in (ours, theirs):
        c.zeta, c["alpha"] = 1, 2
        del c["momentum"]
    assert list(ours) == list(theirs) == ["alpha", "learning_rate", "zeta"]  # sorted
    assert list(ours.keys()) == list(theirs.keys())  # insertion order
    assert list(ours.items()) == list(theirs.items()) and len(ours) == len(theirs) == 3
    assert ours.as_dict() == theirs.as_dict() and ours.as_dict() is not ours.as_dict()
    assert ours.to_json() == theirs.to_json()
    assert json.loads(ours.to_json()) == {"learning_rate": 0.1, "zeta": 1, "alpha": 2}
    assert repr(ours) == repr(theirs)
    assert ("alpha" in ours) and ("momentum" not in ours)
    assert ours.get("nope", 5) == theirs.get("nope", 5) == 5
    assert ours.pop("zeta") == theirs.pop("zeta") == 1
    ours.update(beta=3)
    theirs.update(beta=3)
    assert ours.as_dict() == theirs.as_dict()


def test_unknown_attributes_suggest_the_closest_name():
    for config in both(learning_rate=0.1):
        with pytest.raises(AttributeError, match="Unknown attribute: 'learning_rat'. Did you "
                                                 "mean 'learning_rate'?"):
            _ = config.learning_rat
        with pytest.raises(AttributeError, match="Unknown attribute: 'zzz'.$"):
            _ = config.zzz


def test_a_frozen_config_refuses_every_change():
    for config in both(a=1):
        config.freeze()
        assert config.frozen
        changes = [(setattr, (config, "b", 2)), (config.__setitem__, ("a", 3)),
                   (config.pop, ("a",)), (config.update, ({"a": 4},)),
                   (config.__delitem__, ("a",))]
        for change, args in changes:
            with pytest.raises(ValueError, match="the config is frozen"):
                change(*args)
        assert config.as_dict() == {"a": 1}
        config.unfreeze()
        config.b = 2
        assert not config.frozen and config.as_dict() == {"a": 1, "b": 2}


def test_method_names_stay_methods():
    ours = Config(keys=1)  # an entry named like a method is an item, not an attribute
    assert ours["keys"] == 1 and list(ours.keys()) == ["keys"]

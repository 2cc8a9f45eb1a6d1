import pytest

import sloi
from sloi.saving import object_registration as registry


def test_register_a_class_and_find_it_by_its_registered_name():
    @sloi.saving.register_keras_serializable(package="TestReg")
    class Scale(sloi.layers.Layer):
        def get_config(self):
            return super().get_config()

    assert sloi.saving.get_registered_name(Scale) == "TestReg>Scale"
    assert sloi.saving.get_registered_object("TestReg>Scale") is Scale
    assert sloi.utils.register_keras_serializable is sloi.saving.register_keras_serializable


def test_register_a_function_under_another_name():
    @sloi.saving.register_keras_serializable(package="TestReg", name="twice")
    def double(x):
        return 2 * x

    assert sloi.saving.get_registered_name(double) == "TestReg>twice"
    assert sloi.saving.get_registered_object("TestReg>twice") is double


def test_unregistered_names_fall_back():
    def f(x):
        return x

    assert sloi.saving.get_registered_name(f) == "f"
    assert sloi.saving.get_registered_object("Nobody>Nothing") is None
    assert sloi.saving.get_registered_object("f", custom_objects={"f": f}) is f
    assert sloi.saving.get_registered_object("g", module_objects={"g": f}) is f


def test_reregistering_replaces_the_old_definition():
    @sloi.saving.register_keras_serializable(package="TestReg", name="Again")
    class First:
        def get_config(self):
            return {}

    @sloi.saving.register_keras_serializable(package="TestReg", name="Again")
    class Second:
        def get_config(self):
            return {}

    assert sloi.saving.get_registered_object("TestReg>Again") is Second
    assert sloi.saving.get_registered_name(First) == "First"


def test_bad_registrations_are_refused():
    with pytest.raises(ValueError, match="package must be a string without '>'"):
        sloi.saving.register_keras_serializable(package="a>b")
    with pytest.raises(ValueError, match="must define get_config"):
        @sloi.saving.register_keras_serializable(package="TestReg")
        class NoConfig:
            pass


def test_custom_object_scopes_nest_and_close():
    def f(x):
        return x

    def g(x):
        return x

    with sloi.saving.custom_object_scope({"f": f}):
        assert sloi.saving.get_registered_object("f") is f
        with sloi.utils.custom_object_scope({"f": g}, {"h": g}):
            assert sloi.saving.get_registered_object("f") is g
            assert sloi.saving.get_registered_object("h") is g
        assert sloi.saving.get_registered_object("f") is f
    assert sloi.saving.get_registered_object("f") is None
    assert registry.open_scopes() == []


def test_custom_object_scope_wants_dicts():
    with pytest.raises(TypeError, match="expects dicts of name -> object; got list"):
        sloi.saving.custom_object_scope([1])

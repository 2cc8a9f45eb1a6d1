"""``TorchModuleWrapper``: any ``torch.nn.Module`` used as a sloi layer.

Saving, without running code from a file: Keras pickles the module into its config
(``torch.save``), which loading can only undo with ``torch.load(weights_only=False)``, i.e. by
running whatever the file says. sloi never does that. The config holds the module's *recipe*
instead, plain JSON: the class's name and its constructor arguments,
``{"class_name": "torch.nn.Linear", "config": {"in_features": 4, "out_features": 3, ...}}``;
the parameters and buffers travel as tensors with the model's other weights. On loading, the
class is found by name among ``torch.nn``'s own modules, or in the ``custom_objects`` the
program passes or registered (a user's module class), never imported from the file; the module is
constructed from its arguments and the saved tensors are loaded into it.
"""

from __future__ import annotations

import inspect
import numbers

import torch
from torch import nn

from sloi.engine import Layer
from sloi.engine.config_decoder import find_given
from sloi.engine.object_registration import get_registered_name, is_registered

_TORCH_PREFIX = "torch.nn."
_PLAIN = (bool, int, float, str, type(None))


def _plain(value):
    """``value`` if it is JSON-plain (numbers, strings, None, lists / tuples of them)."""
    if isinstance(value, _PLAIN) or isinstance(value, numbers.Number):
        return True
    return isinstance(value, (list, tuple)) and all(_plain(v) for v in value)


def _class_name(cls) -> str:
    if getattr(nn, cls.__name__, None) is cls:
        return _TORCH_PREFIX + cls.__name__
    return get_registered_name(cls) if is_registered(cls) else cls.__name__


def _constructor_arguments(module: nn.Module) -> dict:
    """The arguments that rebuild ``module``: its ``get_config()`` if it has one, else the
    constructor's parameters read back from the attributes of the same name (how
    ``torch.nn``'s modules keep them: ``Linear.in_features``, ``Conv2d.kernel_size``...)."""
    if callable(getattr(module, "get_config", None)):
        return dict(module.get_config())
    arguments = {}
    init = type(module).__init__
    skip = {"device", "dtype"}
    if isinstance(module, nn.RNNBase):
        # LSTM / GRU / RNN take (*args, **kwargs) and pass them on with their own ``mode``
        init, skip = nn.RNNBase.__init__, skip | {"mode"}
    signature = inspect.signature(init)
    for name, param in list(signature.parameters.items())[1:]:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or name in skip:
            continue
        has_default = param.default is not param.empty
        if not hasattr(module, name):
            if has_default:
                continue
            raise ValueError(f"argument {name!r} of {type(module).__name__} is not kept as an "
                             "attribute of the same name")
        value = getattr(module, name)
        if isinstance(param.default, bool) and (value is None or isinstance(value, torch.Tensor)):
            value = value is not None  # ``bias=True`` is kept as the bias tensor itself
        if not _plain(value):
            raise ValueError(f"argument {name!r} of {type(module).__name__} is a "
                             f"{type(value).__name__}, which a config cannot hold")
        arguments[name] = list(value) if isinstance(value, tuple) else value
    return arguments


def _recipe(module: nn.Module) -> dict:
    if type(module) is nn.Sequential:
        return {"class_name": _TORCH_PREFIX + "Sequential",
                "config": {"modules": [_recipe(m) for m in module]}}
    return {"class_name": _class_name(type(module)), "config": _constructor_arguments(module)}


def _layout(module: nn.Module) -> list:
    return [(n, tuple(t.shape)) for n, t in
            list(module.named_parameters()) + list(module.named_buffers())]


def module_spec(module: nn.Module) -> dict:
    """The JSON recipe of ``module`` (see the module docstring), checked: the module it
    rebuilds (on the meta device: no memory, no values) has the same parameters and buffers,
    of the same shapes, so that the saved tensors will fit it."""
    spec = _recipe(module)
    classes = {}
    for m in module.modules():
        classes[_class_name(type(m))] = type(m)
    rebuilt = module_from_spec(spec, classes, device="meta")
    if _layout(rebuilt) != _layout(module):
        raise ValueError(f"the arguments read from {type(module).__name__} ({spec['config']}) "
                         "rebuild a module with other parameters or buffers")
    return spec


def module_from_spec(spec, custom_objects=None, device=None) -> nn.Module:
    """The module a recipe describes, its class found in ``torch.nn``, ``custom_objects``, an
    open ``custom_object_scope`` or among registered classes."""
    if not (isinstance(spec, dict) and isinstance(spec.get("class_name"), str)
            and isinstance(spec.get("config", {}), dict)):
        raise ValueError(f"a torch module's config must be {{'class_name': ..., 'config': "
                         f"{{...}}}}; got {spec!r}")
    name, config = spec["class_name"], dict(spec.get("config") or {})
    if name.startswith(_TORCH_PREFIX):
        cls = getattr(nn, name[len(_TORCH_PREFIX):], None)
    else:
        cls = find_given(name, name, custom_objects)  # a registered class by its "Pkg>Name"
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        where = "torch.nn" if name.startswith(_TORCH_PREFIX) else "custom_objects"
        raise ValueError(
            f"TorchModuleWrapper: the torch module class {name!r} is not in {where}"
            + ("" if name.startswith(_TORCH_PREFIX) else
               f"; pass it when loading: custom_objects={{{name!r}: {name}}}, or register it "
               "with @sloi.saving.register_keras_serializable() (code from a file is never "
               "run)"))
    with torch.device(device or "cpu"):
        if cls is nn.Sequential:
            return nn.Sequential(*(module_from_spec(m, custom_objects, device)
                                   for m in config.get("modules", [])))
        if callable(getattr(cls, "from_config", None)):
            return cls.from_config(config)
        return cls(**config)


class TorchModuleWrapper(Layer):
    """A ``torch.nn.Module`` as a layer of a functional or Sequential model: its parameters
    are the layer's trainable weights (trained by ``fit``, counted in ``summary``) and its
    buffers (BatchNorm statistics...) its non-trainable ones, so that ``get_weights``, saving
    and loading carry them too.

    Args:
        module: the ``torch.nn.Module`` (lazy modules must be initialized first).
        name: the layer's name.
        output_shape: the output's shape, if the module's cannot be found by running it on the
            ``meta`` device (the default).

    Call arguments:
        *args, **kwargs: what ``module.forward`` takes.
        training: runs the module in ``train()`` mode when true, ``eval()`` when false; by
            default ``layer.training``.

    Saving: the config records the module's class name and constructor arguments (its
    ``get_config()`` when it defines one, else its attributes named as the constructor's
    parameters, as ``torch.nn``'s modules keep them); loading finds ``torch.nn``'s classes by
    name and a user's class in ``custom_objects`` only, then loads the saved tensors.

    Example:
        >>> x = Input(shape=(8,))
        >>> y = TorchModuleWrapper(torch.nn.Linear(8, 4))(x)   # (None, 4), 36 parameters
        >>> model = Model(x, y)
        >>> model.save("m.sloi")
        >>> load_model("m.sloi")   # torch.nn classes need no custom_objects
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(module, nn.Module):
            raise ValueError(f'Layer "{self.name}" (TorchModuleWrapper): module must be a '
                             f"torch.nn.Module; got {type(module).__name__}")
        if isinstance(module, nn.modules.lazy.LazyModuleMixin) and (
                module.has_uninitialized_params()):
            raise ValueError(
                f'Layer "{self.name}" (TorchModuleWrapper): lazy modules must be initialized '
                f"(called once) before they are wrapped; got {type(module).__name__} with "
                "uninitialized parameters")
        self.module = module
        self.output_shape = None if output_shape is None else tuple(output_shape)
        self.built = True  # the module's weights exist already

    def call(self, *args, training=None, **kwargs):
        if training is None:
            training = self.training
        self.module.train(bool(training))
        return self.module(*args, **kwargs)

    def compute_output_shape(self, input_shape):
        if self.output_shape is None:
            raise NotImplementedError  # found by running the module on the meta device
        return self.output_shape

    def get_config(self):
        try:
            spec = module_spec(self.module)
        except ValueError as e:
            raise ValueError(
                f'Layer "{self.name}" (TorchModuleWrapper) cannot write a config for its module: '
                f"{e}. Give {type(self.module).__name__} a get_config() returning its "
                "constructor arguments (and from_config if they need converting)") from None
        return {**super().get_config(), "module": spec,
                "output_shape": None if self.output_shape is None else list(self.output_shape)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        spec = config.pop("module")
        if isinstance(spec, str):
            raise ValueError(
                "TorchModuleWrapper.from_config: the module is a pickled torch module (Keras "
                "writes it so); loading it would run code from the file, which sloi never does. "
                "Rebuild the model in code and load its weights instead")
        module = spec if isinstance(spec, nn.Module) else module_from_spec(spec, custom_objects)
        return cls(module, **config)

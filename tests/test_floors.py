"""The import arrows of sloi point down the floors of DESIGN.md, at run time too.

Every import in ``sloi/`` (module-level or inside a function, ``import x`` and
``from x import y``) is read with ``ast`` and each arrow is checked: a module may import its own
floor or a lower one, never a higher one. The floors (DESIGN.md's table):

    1 kernels   2 engine   3 ops   4 layers
    5 losses, metrics, optimizers, callbacks, training, saving
    6 models
    7 preprocessing, utils, datasets, inspect, distribute, cli

Leaf modules outside the table get the floor of what they import (see ``_LEAVES``). The faces
(``sloi/__init__.py`` and each package's ``__init__.py``) may re-export from anywhere at module
level; a face's function that imports is code, and is checked like any other.

Arrows pointing up that exist today are listed in ``_KNOWN_UPWARD`` with the reason; an entry
that no longer matches an import fails too, so the list only shrinks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[1] / "sloi"

_PACKAGES = {
    "kernels": 1, "engine": 2, "ops": 3, "layers": 4,
    "losses": 5, "metrics": 5, "optimizers": 5, "callbacks": 5, "training": 5, "saving": 5,
    "models": 6,
    "preprocessing": 7, "utils": 7, "datasets": 7, "inspect": 7, "distribute": 7, "cli": 7,
}

# Modules outside DESIGN.md's table, by what they import (and who needs them).
_LEAVES = {
    # Import nothing of sloi; everything may use them.
    "settings": 0,          # the process-wide defaults (floatx, epsilon, image data format)
    "object_lookup": 0,     # name -> object lookup shared by regularizers and constraints
    "tree": 0,              # nested-structure helpers (keras.tree)
    "notebook": 0,          # Jupyter display (progress line, summary table, traceback filter)
    "progbar": 0,           # keras.utils.Progbar: callbacks, training and utils draw with it
    "activations": 1,       # pure tensor functions, read by layers and the engine's catalogue
    "initializers": 2,      # use the engine's dtypes and seed helpers; layers use them
    "regularizers": 2,
    "constraints": 2,
    "random": 2,            # seed generators on the engine's operators; layers draw from them
    "backend": 3,           # keras.backend's functions, on the engine, beside ops
    "mixed_precision.policy": 2,   # DTypePolicy: every Layer has one
    "mixed_precision": 5,   # the face re-exports LossScaleOptimizer (an optimizer) too
    "config": 7,            # keras.config: settings, policies and the saving safe mode
}

# The face ``sloi`` re-exports every floor, so only the top floor (the ``sloi`` command) may
# import a name from it.
_TOP = 7

# (importing module, imported module): why the arrow points up today.
_KNOWN_UPWARD: dict[tuple[str, str], str] = {
    # ``sloi.layers.serialize`` / ``deserialize`` (Keras's ``keras.layers.serialize``) live in
    # the layers' face and call the config codec of sloi/saving inside the function; moving
    # them needs the one nested-config decoder of issue 15, item 2.
    ("sloi.layers", "sloi.saving"): "keras.layers.serialize/deserialize use the saving codec",
}

# Packages on one floor that import each other (a cycle, held together by lazy imports).
_KNOWN_CYCLES: dict[frozenset, str] = {}


def _floor(module: str) -> int:
    parts = module.split(".")[1:]
    if not parts:
        return _TOP
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in _LEAVES:
            return _LEAVES[key]
    if parts[0] in _PACKAGES:
        return _PACKAGES[parts[0]]
    raise AssertionError(f"sloi.{'.'.join(parts)} has no floor: add it to tests/test_floors.py")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    rel = Path(*dotted.split("."))
    return (_ROOT.parent / rel).with_suffix(".py").exists() or (_ROOT.parent / rel).is_dir()


def _imports(path: Path):
    """(imported module, is a module-level import) for every import of sloi in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    own = _module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    top_level = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sloi":
                    yield alias.name, id(node) in top_level
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "sloi":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield (sub if _is_module(sub) else target), id(node) in top_level


def _arrows():
    for path in sorted(_ROOT.rglob("*.py")):
        source = _module_name(path)
        is_face = path.name == "__init__.py"
        for target, module_level in _imports(path):
            if target == source:
                continue
            if is_face and module_level:
                continue  # a face re-exports
            yield source, target


def _upward():
    found = {}
    for source, target in _arrows():
        if source == "sloi":
            continue
        if _floor(target) > _floor(source):
            found[(source, target)] = f"floor {_floor(source)} -> floor {_floor(target)}"
    return found


def test_every_module_has_a_floor():
    for path in _ROOT.rglob("*.py"):
        name = _module_name(path)
        if name != "sloi":
            _floor(name)


def test_no_arrow_points_up():
    upward = _upward()
    new = {arrow: how for arrow, how in upward.items() if arrow not in _KNOWN_UPWARD}
    assert not new, "imports pointing up a floor:\n" + "\n".join(
        f"  {s} -> {t} ({how})" for (s, t), how in sorted(new.items()))


def test_known_upward_list_is_current():
    """An allowed arrow that no longer exists must leave the list."""
    stale = sorted(set(_KNOWN_UPWARD) - set(_upward()))
    assert not stale, f"no longer imported, remove from _KNOWN_UPWARD: {stale}"


def _package_cycles():
    edges = set()
    for source, target in _arrows():
        a, b = source.split(".")[1:2], target.split(".")[1:2]
        if a and b and a != b:
            edges.add((a[0], b[0]))
    # A cycle across floors is an upward arrow, reported above; here: cycles within a floor.
    return {frozenset(edge) for edge in edges if edge[::-1] in edges
            and _floor(f"sloi.{edge[0]}") == _floor(f"sloi.{edge[1]}")}


def test_no_new_package_cycles():
    cycles = _package_cycles()
    assert cycles <= set(_KNOWN_CYCLES), f"packages importing each other: {cycles}"
    stale = set(_KNOWN_CYCLES) - cycles
    assert not stale, f"no longer a cycle, remove from _KNOWN_CYCLES: {stale}"


def _import_sources(tree, own: str) -> dict[str, str]:
    """Names bound by the module-level imports of a module -> the module they come from."""
    bound = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                bound[alias.asname or alias.name] = sub if _is_module(sub) else node.module
    return bound


def _import_time_fills():
    """Module-level calls ``register...(...)`` into a lower floor: a slot filled at import."""
    for path in sorted(_ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        own = _module_name(path)
        bound = _import_sources(tree, own)
        for node in tree.body:
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
                continue
            func = node.value.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                name, origin = func.attr, bound.get(func.value.id)
            elif isinstance(func, ast.Name):
                name, origin = func.id, bound.get(func.id)
            else:
                continue
            if (name.lstrip("_").startswith("register") and origin
                    and origin.startswith("sloi.") and own != "sloi"
                    and _floor(origin) < _floor(own)):
                yield f"{own}: {name}() of {origin}"


def test_no_slot_filled_from_a_higher_floor():
    """No module fills a lower floor's hook when imported (``register_trainer(Trainer)``);
    class-name catalogues filled by decorators or class definitions are not hooks."""
    fills = list(_import_time_fills())
    assert not fills, f"import-time fills of a lower floor: {fills}"


def test_engine_keeps_no_slot_for_higher_floors():
    """No ``register_trainer`` / ``register_saving`` / ``register_exporter`` style hooks: the
    engine's model knows nothing of training or files."""
    import sloi.engine.model as graph

    for name in ("register_trainer", "register_saving", "register_exporter", "saving_api"):
        assert not hasattr(graph, name), name
    for method in ("fit", "evaluate", "predict", "save", "export", "to_json", "load_weights"):
        assert not hasattr(graph.Model, method), method


@pytest.mark.parametrize("name", ["Model", "Sequential", "Functional"])
def test_public_models_live_on_floor_6(name):
    import sloi

    cls = getattr(sloi.models, name)
    assert cls.__module__.startswith("sloi.models."), cls.__module__
    assert hasattr(cls, "fit") and hasattr(cls, "save")

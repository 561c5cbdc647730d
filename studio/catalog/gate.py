"""The gate every parameter value passes before it reaches Keras.

A project file, a clipboard payload, a recovery file or an imported architecture may hold a
*serialized object* anywhere a parameter is (an activation, an initializer, a nested layer):
``{"module": ..., "class_name": ..., "config": ..., "registered_name": ...}``. Keras would look
the module up, so a file could name ``os.system``. Here every such object must come from
Keras's own modules (``keras``, ``keras.*``, or a built-in function Keras ships) or be one of
Model Studio's registered layers (``studio>Name`` from ``studio.layers``) or an object the
user's own code registered with Keras in this session; a ``Lambda`` or
any other code-carrying object is refused unless the user trusted the file. Refusals are
sentences a user can read ("activation refers to 'os.system', which is not a Keras
function"), reported as issues on the node; nothing is imported to find out.

Plain values are checked too: numbers finite and within what a size can be, strings within
length, nesting within depth, so nothing absurd reaches a constructor.
"""

from __future__ import annotations

import logging
import math
from typing import Any

log = logging.getLogger(__name__)

MAX_DEPTH = 48
MAX_INT = 2**53
MAX_TEXT = 100_000
_CODE_CLASSES = {"Lambda", "__lambda__", "TFOpLambda", "SlicingOpLambda"}
_SPECIAL = {"__tuple__", "__numpy__", "__bytes__", "__tensor__", "__typespec__", "__ellipsis__"}
_FUNCTION_MODULES = (
    "activations",
    "constraints",
    "regularizers",
    "metrics",
    "initializers",
    "optimizers",
    "losses",
)


def _is_serialized(value: dict[str, Any]) -> bool:
    return "class_name" in value and ("config" in value or "module" in value)


def _keras_module(module: str) -> bool:
    return module == "keras" or module.startswith("keras.")


def _keras_builtin_function(name: Any) -> bool:
    if not isinstance(name, str) or not name.isidentifier():
        return False
    from keras.src.api_export import get_symbol_from_name

    return any(get_symbol_from_name(f"keras.{mod}.{name}") is not None for mod in _FUNCTION_MODULES)


def _studio_layer(module: Any, class_name: str, registered: Any) -> bool:
    from studio.layers import palette_layers

    entry = palette_layers().get(class_name)
    return (
        entry is not None
        and registered == f"studio>{class_name}"
        and (module is None or module == entry.cls.__module__)
    )


def object_problem(value: dict[str, Any], trust: bool) -> str | None:
    """Why one serialized object may not be deserialized, or None."""
    class_name = value.get("class_name")
    module = value.get("module")
    registered = value.get("registered_name")
    if not isinstance(class_name, str):
        return f"is a serialized object whose class_name is {class_name!r}, not a name"
    if class_name in _SPECIAL:
        return None
    if module is not None and not isinstance(module, str):
        return f"names the module {module!r}, which is not a module name"
    if registered is not None and not isinstance(registered, str):
        return f"names the registered object {registered!r}, which is not a name"
    if class_name in _CODE_CLASSES and not trust:
        return (
            f"holds a {class_name} (Python code), which runs only for files you trust; "
            "import the model again with trust"
        )
    if class_name == "function":
        name = value.get("config")
        full = f"{module}.{name}" if module else str(name)
        if module in ("builtins", None) and _keras_builtin_function(name):
            return None
        if module and _keras_module(module) and isinstance(name, str) and name.isidentifier():
            return None
        if isinstance(name, str) and ">" in name and _registered(name):
            return None
        return f"refers to {full[:120]!r}, which is not a Keras function"
    if module is None:
        if registered is None or registered == class_name:
            return None  # resolved by Keras among its own classes only
        if _studio_layer(module, class_name, registered) or _registered(registered):
            return None
        return f"refers to the custom object {registered[:120]!r}, which is not part of Keras"
    if _keras_module(module):
        return None
    if _studio_layer(module, class_name, registered):
        return None
    if registered and _registered(registered):
        return None  # code the user already loaded in this session; Keras imports nothing
    return (
        f"refers to '{module[:100]}.{class_name[:60]}', which is not a Keras class or one of "
        "Model Studio's layers"
    )


def _registered(name: str) -> bool:
    """Whether ``name`` is already registered with Keras in this session (no import).

    Such an object is code the user loaded on purpose (``register_keras_serializable`` in a
    module they imported); Keras resolves it by name before any module lookup."""
    try:
        import keras

        return keras.saving.get_registered_object(name) is not None
    except Exception:  # noqa: BLE001 - an odd name is simply not registered
        log.debug("lookup of %r failed", name, exc_info=True)
        return False


def value_problem(value: Any, *, trust: bool = False) -> str | None:
    """Why a parameter value (any JSON) may not reach Keras, or None when it may.

    Walks the value iteratively, so no nesting can exhaust the stack.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"is nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, int):
            if abs(item) > MAX_INT:
                return f"holds the number {item:.3g}, which is too large for any size"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return f"must be a finite number; received {item}"
        elif isinstance(item, str):
            if len(item) > MAX_TEXT:
                return f"holds text {len(item):,} characters long"
        elif isinstance(item, dict):
            if _is_serialized(item):
                problem = object_problem(item, trust)
                if problem:
                    return problem
            for key, sub in item.items():
                if not isinstance(key, str):
                    return f"has a key {key!r} that is not text"
                stack.append((sub, depth + 1))
        elif isinstance(item, (list, tuple)):
            stack.extend((sub, depth + 1) for sub in item)
        else:
            return f"holds a {type(item).__name__}, which a project cannot store"
    return None


def node_problems(node: Any, *, trust: bool = False) -> list[str]:
    """Every gate refusal for a node's parameters, as ``"<Type> '<name>': <param> <why>"``.

    An opaque node's whole serialized form is one object; a catalogue node is checked
    parameter by parameter (the spec checks of ``studio.checks.params`` come on top).
    """
    trust = trust or trusted_by_scope()
    label = f"{node.type} '{node.name}'"
    if node.opaque:
        params = dict(node.params)
        if not _is_serialized(params):
            return [f"{label}: is kept as a serialized layer but has no class_name and config"]
        if (
            "weight_specs" in params
            and params.get("class_name") not in _CODE_CLASSES
            and object_problem(params, trust) is not None
        ):
            # A stand-in for a class this session does not know: it is never looked up or
            # imported (it keeps its config, weights and shapes), so only what it holds is
            # gated, not the class it names.
            params = {"config": params.get("config")}
        problem = value_problem(params, trust=trust)
        return [f"{label}: {problem}"] if problem else []
    from studio.catalog.registry import get_spec

    if node.type != "Input" and get_spec(node.type) is None:
        return [
            f"{label}: {node.type[:60]!r} is not a layer Model Studio knows; a layer from "
            "elsewhere must be kept as an opaque (serialized) node"
        ]
    problems = []
    for key, value in node.params.items():
        problem = value_problem(value, trust=trust)
        if problem:
            problems.append(f"{label}: {key} {problem}")
    return problems


def config_problem(config: Any, *, trust: bool = False) -> str | None:
    """For the importer: why a whole Keras config (a model's ``get_config()``) is refused."""
    return value_problem(config, trust=trust)


def trusted_by_scope() -> bool:
    """Whether the caller switched Keras's safe mode off (``SafeModeScope(False)``): how the
    app and the tests say "this file is trusted" around a compile."""
    try:
        from keras.src.saving.serialization_lib import in_safe_mode
    except ImportError:
        return False
    return in_safe_mode() is False


def safe_deserialization():
    """Keras's safe mode, for constructors that deserialize their arguments themselves."""
    from keras.src.saving.serialization_lib import SafeModeScope

    return SafeModeScope(True)

"""Turning identifiers into objects and back: the one `get`/`serialize` behind
initializers, regularizers and constraints (Keras' `get(identifier)` convention)."""

from __future__ import annotations


def get_object(identifier, kind: str, by_name: dict, classes: dict):
    """The object for a name ('l2'), a {'class_name', 'config'} dict, an instance or a function.

    None stays None. A name builds the class with its defaults; a dict goes through
    `from_config`; anything callable is used as it is.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = by_name.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown {kind}: '{identifier}'. Known names: {sorted(by_name)}.")
        return cls()
    if isinstance(identifier, dict):
        name = identifier.get("class_name")
        cls = classes.get(name) or by_name.get(str(name).lower())
        if cls is None:
            raise ValueError(f"Unknown {kind} config: {identifier}")
        return cls.from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")


def serialize_object(obj, base):
    """{'class_name', 'config'} for an instance of `base`, a function's name, or None."""
    if obj is None:
        return None
    if isinstance(obj, base):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    return getattr(obj, "__name__", None)


def serialize_compiled(obj, base, wrapper, classes, functions):
    """How compile() arguments (losses, metrics) are saved: a name, or {'class_name', 'config'}.

    A string stays as given; an instance of a built-in `base` class keeps its config; a
    built-in function is saved by its name; anything else by its class or function name,
    to be found again in `custom_objects` on load.
    """
    if isinstance(obj, str):
        return obj
    if isinstance(obj, base) and type(obj).__name__ in classes and type(obj) is not wrapper:
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    for name, fn in functions.items():
        if fn is obj:
            return name
    return {"class_name": getattr(obj, "__name__", type(obj).__name__), "config": None}


def deserialize_compiled(config, kind, classes, get, custom_objects=None):
    """The inverse of `serialize_compiled`; `get` resolves plain names."""
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return custom_objects[config]
        return get(config)
    name = config.get("class_name")
    found = (custom_objects or {}).get(name) or classes.get(name)
    if found is None:
        raise ValueError(
            f"Unknown {kind} '{name}'. If it is your own {kind}, pass custom_objects={{'{name}': {name}}}."
        )
    if config.get("config") is None or not isinstance(found, type):
        return found
    return found.from_config(config["config"])

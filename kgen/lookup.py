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

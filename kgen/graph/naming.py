"""Keras' automatic names: `dense`, `dense_1`, ... per snake-cased class name."""

from __future__ import annotations

import collections
import re

_uids = collections.Counter()


def to_snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(name: str) -> str:
    unique = name if _uids[name] == 0 else f"{name}_{_uids[name]}"
    _uids[name] += 1
    return unique


def auto_name(class_name: str) -> str:
    return uniquify(to_snake_case(class_name))


def reset():
    """Forget every name handed out (keras.backend.clear_session)."""
    _uids.clear()

"""keras.saving: save_model / load_model, custom-object registration and scopes."""

from kgen.graph.serialization import (  # noqa: F401
    CustomObjectScope, custom_object_scope, get_custom_objects, register_keras_serializable,
)
from kgen.training.persistence import load_model, model_from_json, save_model  # noqa: F401
from kgen.graph.serialization import deserialize_layer as deserialize_keras_object  # noqa: F401
from kgen.graph.serialization import serialize_layer as serialize_keras_object  # noqa: F401

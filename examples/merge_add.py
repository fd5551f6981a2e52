"""The two-input merge model of the Keras merge-layers article, run on kgen.

Run it with `kgen run examples/merge_add.py` (the `import keras` lines are answered by
kgen) or with plain python after changing the import to `from kgen import keras`.
"""

import numpy as np

import keras
from keras.layers import Add, Dense, Input
from keras.models import Model

keras.utils.set_random_seed(0)

input1 = Input(shape=(16,))
x1 = Dense(8, activation="relu")(input1)
input2 = Input(shape=(32,))
x2 = Dense(8, activation="relu")(input2)
added = Add()([x1, x2])  # equivalent to keras.layers.add([x1, x2])
out = Dense(4)(added)
model = Model(inputs=[input1, input2], outputs=out)
model.summary()

rng = np.random.default_rng(0)
batch = [rng.normal(size=(3, 16)), rng.normal(size=(3, 32))]
print("predict ->", model.predict(batch).shape)
print(np.round(model.predict(batch), 4))

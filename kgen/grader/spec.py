"""Exercises as data: one folder per exercise, loaded from `exercise.toml`.

A folder holds `exercise.toml` (what to grade, points, hints), `reference.py` (the
trusted solution) and `starter.py` (the scaffold a learner starts from). The seven
lessons' exercises ship in `kgen/grader/exercises/`; an instructor adds folders of
their own and passes `--exercises DIR` (docs/grader.md describes the format).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10 needs the tomli backport
    import tomli as tomllib

BUILTIN_DIR = Path(__file__).parent / "exercises"

# Every check a grader knows, in the order it runs (the order of Keras' own
# `run_layer_test`: serialisation, build and weights, symbolic shapes, eager values,
# one training step). Each entry: (points, required, what it checks, default hint).
LAYER_CHECKS = {
    "class": (1, True, "the class exists and subclasses keras.layers.Layer",
              "Define `class {class_name}(Layer):` at the top level of your file and import "
              "Layer with `from kgen import keras` (keras.layers.Layer) or `from keras.layers "
              "import Layer`."),
    "init": (1, True, "the layer can be created with the exercise's arguments",
             "`__init__` should store its arguments on `self`, pass the rest to "
             "`super().__init__(**kwargs)`, and compute nothing else."),
    "config": (1, False, "get_config/from_config round-trips",
               "get_config() must return the base config plus every __init__ argument: "
               "`config = super().get_config(); config.update({{...}}); return config`."),
    "weights": (2, False, "build creates the expected weights (names, shapes, trainable)",
                "Create weights in `build(input_shape)` with `self.add_weight(name=..., "
                "shape=..., initializer=..., trainable=...)`, sized from input_shape[-1]."),
    "output_shape": (1, False, "compute_output_shape matches the reference for each input shape",
                     "compute_output_shape(input_shape) returns a tuple: keep the batch "
                     "dimension (it may be None) and change only the axes your layer changes."),
    "symbolic": (1, False, "calling the layer on keras.Input gives the reference's shape",
                 "When called on keras.Input, your `call` runs on a symbolic tensor: use "
                 "K./keras.ops functions and operators, not numpy functions, inside `call`."),
    "call": (3, True, "call output matches the reference (same weights via set_weights)",
             "Compare your `call` with the formula in the exercise; check which axis you "
             "reduce over and the order of operands in K.dot."),
    "call_shape": (1, False, "the output shape equals compute_output_shape",
                   "Make compute_output_shape describe what `call` really returns."),
    "finite": (1, False, "the output has no NaN or Inf",
               "NaN usually comes from 0/0 or sqrt/log of a negative number: add a small "
               "epsilon (K.epsilon()) or use K.l2_normalize."),
    "model": (1, False, "the layer works inside a functional keras.Model",
              "Your layer must accept a symbolic keras.Input and return a tensor; "
              "`keras.Model(inputs, layer(inputs)).predict(x)` should work."),
    "shared": (1, False, "one layer instance works on two inputs (two nodes, shared weights)",
               "Do not store per-call state in `call` (like self.input_dim = ...); every call "
               "of the layer must use the same weights."),
    "gradients": (1, False, "one training step changes the weights like the reference's",
                  "Use only K./keras.ops functions and tensor operators in `call` so the "
                  "engine can differentiate it (numpy functions break the gradient)."),
}

MODEL_CHECKS = {
    "function": (1, True, "the model-building function exists",
                 "Define `def {function}():` at the top level of your file; it must return "
                 "the model."),
    "returns_model": (1, True, "the function returns a keras.Model",
                      "End the function with `return keras.Model(inputs=..., outputs=...)`."),
    "io_shapes": (1, False, "the model's inputs and outputs have the reference's shapes",
                  "Check the `shape=` of each keras.Input and the units of the last layer."),
    "params": (2, False, "parameter count and weight shapes match the reference",
               "Compare `model.summary()` with the exercise text: units per Dense layer and "
               "which layers are shared."),
    "outputs": (3, True, "outputs match the reference (same weights via set_weights)",
                "Check the merge operation, the activations and which input goes where."),
    "finite": (1, False, "the outputs have no NaN or Inf",
               "NaN usually comes from 0/0 or log of a negative number."),
    "shared": (1, False, "the shared layer is one layer object called on several inputs",
               "Create the layer once (`shared = Dense(...)`) and call that same object on "
               "each input; creating two Dense layers gives two sets of weights."),
    "gradients": (1, False, "one training step changes the weights like the reference's",
                  "Use only Keras layers and K./keras.ops functions so the model can be "
                  "trained."),
}

KIND_CHECKS = {"layer": LAYER_CHECKS, "model": MODEL_CHECKS}


class ExerciseError(ValueError):
    """An exercise folder that cannot be loaded (message names the file and the fix)."""


@dataclass(frozen=True)
class CheckSpec:
    name: str
    points: Fraction
    required: bool
    description: str
    hint: str


@dataclass
class Exercise:
    """One exercise: what to grade, how, for how many points."""

    id: str
    lesson: int | None
    title: str
    kind: str  # "layer" | "model"
    directory: Path
    summary: str = ""
    filename: str = "solution.py"
    class_name: str | None = None  # layer exercises
    function: str | None = None  # model exercises
    init_kwargs: dict = field(default_factory=dict)
    input_shapes: list = field(default_factory=list)  # layer: cases; a case is a shape or list of shapes
    batch_sizes: list = field(default_factory=lambda: [2])  # model exercises
    expect_shared: bool = False
    trains: bool = True
    atol: float = 1e-5
    rtol: float = 1e-5
    grad_atol: float = 1e-4
    grad_rtol: float = 1e-3
    learning_rate: float = 0.1
    seed: int = 1234
    timeout: float = 60.0
    probe_timeout: float = 20.0
    memory_mb: int = 2048
    hints: list = field(default_factory=list)
    checks: list = field(default_factory=list)  # CheckSpec, in run order

    @property
    def reference_path(self) -> Path:
        return self.directory / "reference.py"

    @property
    def starter_path(self) -> Path:
        return self.directory / "starter.py"

    @property
    def target(self) -> str:
        return self.class_name if self.kind == "layer" else self.function

    @property
    def max_score(self) -> Fraction:
        return sum((c.points for c in self.checks), Fraction(0))

    def check(self, name: str) -> CheckSpec:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def fingerprint(self) -> str:
        """A hash of the exercise's files: reference results are cached under it."""
        h = hashlib.sha256()
        for name in ("exercise.toml", "reference.py"):
            p = self.directory / name
            if p.exists():
                h.update(p.read_bytes())
        return h.hexdigest()[:16]

    def request(self) -> dict:
        """The JSON-able part of the exercise a sandboxed worker needs."""
        return {
            "id": self.id,
            "kind": self.kind,
            "target": self.target,
            "filename": self.filename,
            "init_kwargs": self.init_kwargs,
            "input_shapes": self.input_shapes,
            "batch_sizes": self.batch_sizes,
            "expect_shared": self.expect_shared,
            "trains": self.trains,
            "learning_rate": self.learning_rate,
            "seed": self.seed,
        }


def _points(value, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ExerciseError(f"{where}: points must be a number. Received: {value!r}")
    pts = Fraction(str(value))
    if pts < 0:
        raise ExerciseError(f"{where}: points must be >= 0. Received: {value!r}")
    return pts


def _shape_case(case, where):
    """A case is a shape [None|int, ...] or a list of shapes (a multi-input layer)."""
    if not isinstance(case, list) or not case:
        raise ExerciseError(f"{where}: each input shape is a list like ['None', 8]. Received: {case!r}")
    if isinstance(case[0], list):
        return [_shape_case(s, where) for s in case]
    case = [None if isinstance(d, str) and d.lower() in ("none", "null") else d for d in case]
    for d in case[1:]:
        if isinstance(d, bool) or not isinstance(d, int) or d <= 0:
            raise ExerciseError(
                f"{where}: only the batch axis may be 'None'; other sizes are positive "
                f"integers. Received: {case!r}")
    if case[0] is not None and (not isinstance(case[0], int) or case[0] <= 0):
        raise ExerciseError(f"{where}: the batch size is null or a positive integer. Received: {case!r}")
    return list(case)


def load_exercise_dir(directory: Path) -> Exercise:
    """Read one exercise folder; raise ExerciseError naming the problem."""
    directory = Path(directory)
    toml_path = directory / "exercise.toml"
    if not toml_path.is_file():
        raise ExerciseError(f"{directory}: no exercise.toml (every exercise folder needs one).")
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ExerciseError(f"{toml_path}: not valid TOML: {e}") from e
    where = str(toml_path)
    kind = data.get("kind", "layer")
    if kind not in KIND_CHECKS:
        raise ExerciseError(f"{where}: kind must be 'layer' or 'model'. Received: {kind!r}")
    ex = Exercise(
        id=data.get("id", directory.name),
        lesson=data.get("lesson"),
        title=data.get("title", directory.name),
        kind=kind,
        directory=directory,
        summary=data.get("summary", "").strip(),
        filename=data.get("filename", "solution.py"),
        class_name=data.get("class_name"),
        function=data.get("function", "build_model" if kind == "model" else None),
        init_kwargs=dict(data.get("init", {})),
        batch_sizes=list(data.get("batch_sizes", [2])),
        expect_shared=bool(data.get("expect_shared", False)),
        trains=bool(data.get("trains", True)),
        hints=list(data.get("hints", [])),
    )
    tol = data.get("tolerance", {})
    for key in ("atol", "rtol", "grad_atol", "grad_rtol"):
        if key in tol:
            setattr(ex, key, float(tol[key]))
    limits = data.get("limits", {})
    for key, conv in (("timeout", float), ("probe_timeout", float), ("memory_mb", int)):
        if key in limits:
            setattr(ex, key, conv(limits[key]))
    if "seed" in data:
        ex.seed = int(data["seed"])
    if "learning_rate" in data:
        ex.learning_rate = float(data["learning_rate"])

    if kind == "layer":
        if not ex.class_name:
            raise ExerciseError(f"{where}: a layer exercise needs class_name = \"MyLayer\".")
        shapes = data.get("input_shapes")
        if not shapes:
            raise ExerciseError(
                f"{where}: a layer exercise needs input_shapes = [[\"None\", 8], [3, 8]].")
        ex.input_shapes = [_shape_case(c, where) for c in shapes]
    if not ex.reference_path.is_file():
        raise ExerciseError(f"{directory}: no reference.py (the trusted solution).")
    if any(not isinstance(b, int) or b <= 0 for b in ex.batch_sizes):
        raise ExerciseError(f"{where}: batch_sizes are positive integers. Received: {ex.batch_sizes!r}")

    table = KIND_CHECKS[kind]
    overrides = data.get("checks", {})
    unknown = set(overrides) - set(table)
    if unknown:
        raise ExerciseError(
            f"{where}: unknown check(s) {sorted(unknown)}; a {kind} exercise has: {', '.join(table)}.")
    fmt = {"class_name": ex.class_name or "", "function": ex.function or ""}
    for name, (points, required, description, hint) in table.items():
        o = overrides.get(name, {})
        if not isinstance(o, dict):
            raise ExerciseError(f"{where}: [checks.{name}] must be a table. Received: {o!r}")
        if o.get("enabled", True) is False:
            continue
        if name == "shared" and kind == "model" and not ex.expect_shared and "points" not in o:
            continue
        if name == "gradients" and not ex.trains:
            continue
        ex.checks.append(CheckSpec(
            name=name,
            points=_points(o.get("points", points), f"{where} [checks.{name}]"),
            required=bool(o.get("required", required)),
            description=description,
            hint=o.get("hint", hint).format(**fmt),
        ))
    return ex


def exercise_dirs(extra_dirs=()) -> list[Path]:
    """Folders holding exercises: the extra ones first (they may override built-ins)."""
    return [Path(d) for d in extra_dirs] + [BUILTIN_DIR]


def list_exercises(extra_dirs=()) -> list[Exercise]:
    """Every exercise, built-in and from `extra_dirs`; an id in an extra dir wins."""
    found: dict[str, Exercise] = {}
    for root in exercise_dirs(extra_dirs):
        if not root.is_dir():
            raise ExerciseError(f"{root}: not a folder of exercises.")
        candidates = [root] if (root / "exercise.toml").is_file() else sorted(root.iterdir())
        for d in candidates:
            if (d / "exercise.toml").is_file():
                ex = load_exercise_dir(d)
                found.setdefault(ex.id, ex)
    return sorted(found.values(), key=lambda e: (e.lesson if e.lesson is not None else 99, e.id))


def load_exercise(exercise_id: str, extra_dirs=()) -> Exercise:
    """The exercise with this id (searching `extra_dirs` first)."""
    exercises = list_exercises(extra_dirs)
    for ex in exercises:
        if ex.id == exercise_id:
            return ex
    known = ", ".join(e.id for e in exercises)
    raise ExerciseError(f"No exercise with id {exercise_id!r}. Known exercises: {known}.")

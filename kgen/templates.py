"""Generate model scripts and layer scaffolds from the jinja2 templates in `templates/`.

`templates/index.toml` describes each template: its file, a summary, and its parameters with
type, default and allowed values. This module validates `--set key=value` pairs against that
description (a wrong value gets a message listing what is allowed), renders the template, and
says which kgen capabilities the generated script needs (`template_requirements`).
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

import kgen

TEMPLATES_DIR = Path(kgen.__file__).resolve().parent.parent / "templates"
TYPES = ("int", "float", "bool", "choice", "name", "str")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class TemplateError(ValueError):
    """A template name or parameter the learner got wrong; the message says what is allowed."""


@dataclass
class Param:
    name: str
    type: str
    default: object
    help: str = ""
    choices: list | None = None
    min: float | None = None
    max: float | None = None
    requires: object = None  # list (when truthy) or {choice: [..]}

    def allowed(self) -> str:
        if self.type == "choice":
            return "one of " + ", ".join(map(str, self.choices))
        if self.type == "bool":
            return "true or false"
        if self.type in ("int", "float"):
            kind = "an integer" if self.type == "int" else "a number"
            return f"{kind} from {self.min} to {self.max}"
        if self.type == "name":
            return "a Python class name in CamelCase, like MyLayer"
        return "text"

    def convert(self, template: str, raw) -> object:
        where = f"template {template!r}: {self.name}={raw!r} is not allowed; use {self.allowed()}."
        if self.type == "bool":
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in _TRUE:
                return True
            if str(raw).lower() in _FALSE:
                return False
            raise TemplateError(where)
        if self.type in ("int", "float"):
            try:
                value = int(str(raw)) if self.type == "int" else float(raw)
            except ValueError:
                raise TemplateError(where) from None
            if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
                raise TemplateError(where)
            return value
        if self.type == "choice":
            for c in self.choices:
                if str(raw) == str(c):
                    return c
            lowered = [c for c in self.choices if str(c).lower() == str(raw).lower()]
            if lowered:
                return lowered[0]
            raise TemplateError(where)
        if self.type == "name":
            s = str(raw)
            if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", s) or keyword.iskeyword(s):
                raise TemplateError(where)
            return s
        return str(raw)

    def requirements(self, value) -> list[str]:
        if not self.requires:
            return []
        if isinstance(self.requires, dict):
            return list(self.requires.get(str(value), []))
        return list(self.requires) if value else []


@dataclass
class TemplateSpec:
    name: str
    file: str
    summary: str
    kind: str = "script"
    requires: list = field(default_factory=list)
    params: dict = field(default_factory=dict)

    def resolve(self, given: dict | None = None) -> dict:
        """Defaults overridden by `given`, each converted and checked."""
        given = dict(given or {})
        unknown = [k for k in given if k not in self.params]
        if unknown:
            known = ", ".join(self.params) or "(none)"
            raise TemplateError(f"template {self.name!r} has no parameter {unknown[0]!r}; "
                                f"its parameters are: {known}.")
        return {n: p.convert(self.name, given.get(n, p.default)) for n, p in self.params.items()}

    def requirements(self, values: dict) -> list[str]:
        reqs = list(self.requires)
        for n, p in self.params.items():
            reqs.extend(p.requirements(values[n]))
        return list(dict.fromkeys(reqs))


def load_specs() -> dict[str, TemplateSpec]:
    data = tomllib.loads((TEMPLATES_DIR / "index.toml").read_text(encoding="utf-8"))
    specs = {}
    for name, t in data.items():
        params = {}
        for pname, p in t.get("params", {}).items():
            ptype = p.get("type", "choice" if "choices" in p else "str")
            if ptype not in TYPES:
                raise TemplateError(f"templates/index.toml: {name}.{pname} has unknown type {ptype!r}.")
            params[pname] = Param(pname, ptype, p["default"], p.get("help", ""), p.get("choices"),
                                  p.get("min"), p.get("max"), p.get("requires"))
        specs[name] = TemplateSpec(name, t["file"], t.get("summary", ""), t.get("kind", "script"),
                                   list(t.get("requires", [])), params)
    return specs


def get_spec(name: str) -> TemplateSpec:
    specs = load_specs()
    if name not in specs:
        names = ", ".join(n for n, s in specs.items() if s.kind == "script")
        raise TemplateError(f"There is no template {name!r}. Templates: {names} "
                            "(`kgen generate --list` shows their parameters).")
    return specs[name]


def parse_sets(pairs) -> dict:
    """`["op=add", "units=8"]` -> `{"op": "add", "units": "8"}`, with a clear error."""
    out = {}
    for pair in pairs or []:
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            raise TemplateError(f"--set takes key=value, like --set op=add. Received: {pair!r}")
        out[key.strip()] = value.strip()
    return out


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def command_line(spec: TemplateSpec, values: dict) -> str:
    """The `kgen generate` command that makes this script (non-default values only)."""
    sets = [f"--set {n}={_fmt(v)}" for n, v in values.items() if v != spec.params[n].default]
    return " ".join(["kgen generate", spec.name] + sets)


def _comment_wrap(text: str, width: int = 72) -> str:
    """`text` as `# ` comment lines of at most `width` characters, broken before --set."""
    lines, line = [], "#"
    for word in text.replace(" --set ", " --set\0").split(" "):
        word = word.replace("\0", " ")
        if len(line) + 1 + len(word) > width and line.strip("# "):
            lines.append(line)
            line = "#" + " " * 4
        line += " " + word
    return "\n".join(lines + [line])


def _fmt(v) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def render_template(name: str, given: dict | None = None) -> str:
    """The generated text of template `name` with parameters `given` (strings or values)."""
    spec = get_spec(name)
    values = spec.resolve(given)
    ctx = dict(values)
    ctx["command"] = command_line(spec, values)
    ctx["command_comment"] = _comment_wrap("Generated by: " + ctx["command"])
    if "weights" in values:
        ctx["weight_names"] = weight_names(values["weights"])
        ctx["module"] = snake_case(values["name"])
    return _environment().get_template(spec.file).render(**ctx)


def template_requirements(name: str, given: dict | None = None) -> list[str]:
    spec = get_spec(name)
    return spec.requirements(spec.resolve(given))


# --------------------------------------------------------------------------- layer scaffold


def snake_case(name: str) -> str:
    s = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def weight_names(spec: str) -> list[str]:
    if spec.strip().lower() in ("", "none"):
        return []
    names = [w.strip() for w in spec.split(",") if w.strip()]
    for w in names:
        if not w.isidentifier() or keyword.iskeyword(w):
            raise TemplateError(f"weight name {w!r} is not a Python identifier; use names like "
                                "kernel,bias (or none for a layer without weights).")
    if len(set(names)) != len(names):
        raise TemplateError(f"weight names must differ. Received: {spec!r}")
    return names


def scaffold_layer(name: str, weights: str = "kernel,bias", units: int = 8) -> dict[str, str]:
    """{filename: text} for the layer module and its test."""
    params = {"name": name, "weights": weights, "units": units}
    module = snake_case(get_spec("layer").resolve(params)["name"])
    return {
        f"{module}.py": render_template("layer", params),
        f"test_{module}.py": render_template("layer-test", params),
    }

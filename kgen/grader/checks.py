"""Scoring: compare the submission's probe facts with the reference's, check by check.

Everything here runs in the grader's own process on plain data (JSON values and
numpy arrays read back from the children), so a submission cannot influence it.
Each check is all-or-nothing; its message says what was expected, what was
received and where, in words a learner can act on.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from kgen.grader.report import ERROR, FAILED, PASSED, SKIPPED, UNAVAILABLE, CheckResult

# The probes (child-side steps) each check reads.
CHECK_PROBES = {
    "layer": {
        "class": ["load", "class"], "init": ["init"], "config": ["config"], "weights": ["weights"],
        "output_shape": ["output_shape"], "symbolic": ["symbolic"], "call": ["call"],
        "call_shape": ["call", "output_shape"], "finite": ["call"], "model": ["model"],
        "shared": ["shared"], "gradients": ["gradients"],
    },
    "model": {
        "function": ["load", "function"], "returns_model": ["build"], "io_shapes": ["build"],
        "params": ["build"], "outputs": ["outputs"], "finite": ["outputs"],
        "shared": ["build"], "gradients": ["gradients"],
    },
}

# What the learner's code was doing during each probe (for messages).
DOING = {
    "load": "importing your file",
    "class": "looking for your class",
    "init": "creating your layer (__init__)",
    "config": "get_config()/from_config()",
    "weights": "build(input_shape)",
    "output_shape": "compute_output_shape(input_shape)",
    "symbolic": "calling your layer on keras.Input",
    "call": "calling your layer on data (call)",
    "model": "using your layer inside a keras.Model",
    "shared": "calling one instance of your layer on two inputs",
    "gradients": "one training step (SGD, mse loss)",
    "function": "looking for your function",
    "build": "calling your model-building function",
    "outputs": "model.predict",
}

# The check that owns each probe: "skipped, needs X" names the check to fix first.
PROBE_CHECK = {"load": "class", "class": "class", "init": "init", "function": "function",
               "build": "returns_model"}


def fmt_shape(shape) -> str:
    if shape and isinstance(shape[0], (list, tuple)):
        return "[" + ", ".join(fmt_shape(s) for s in shape) + "]"
    inner = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _num(x) -> str:
    return f"{float(x):.6g}"


def error_text(err: dict, probe: str, run) -> str:
    """One exception from the learner's code, said so they can act on it."""
    etype, message = err.get("type", "Error"), err.get("message", "")
    where = err.get("where") or {}
    doing = DOING.get(probe, probe)
    if etype == "SyntaxError" or etype == "IndentationError" or etype == "TabError":
        text = f"your file has a {etype} at line {where.get('line', '?')}: {message}"
        if where.get("code"):
            text += f"\n  {where['code']}"
        return text
    if etype == "SystemExit":
        return (f"your code called sys.exit() ({message}) while {doing}. The grader imports "
                f"your file and calls your code: put script code under "
                f"`if __name__ == \"__main__\":`.")
    if etype == "MemoryError":
        return (f"your code ran out of memory (limit {run.limits.get('memory_mb')} MiB) while "
                f"{doing}. Look for an array or list that grows without bound.")
    if etype == "OSError" and ("File too large" in message or "Errno 27" in message):
        return (f"your code wrote more than {run.limits.get('fsize_mb')} MiB to a file or the "
                f"screen while {doing}.")
    if etype == "WrongType":
        return f"while {doing}: {message}"
    text = f"{doing} raised {etype}: {message}"
    if etype in ("ModuleNotFoundError", "ImportError"):
        low = message.lower()
        if any(lib in low for lib in ("tensorflow", "torch", "jax", "theano")):
            text += ("\n  kgen runs Keras on its own engine: write `from kgen import keras` "
                     "(or `import keras`, which kgen provides), not TensorFlow/JAX/PyTorch.")
    if where.get("line"):
        fn = f" in {where['function']}" if where.get("function") else ""
        text += f"\n  at line {where['line']}{fn}: {where.get('code', '')}"
    elif err.get("frames") and not err.get("in_submission"):
        text += "\n  (raised inside kgen: " + err["frames"][-1] + ")"
    return text


def death_text(run, probe: str) -> str:
    """Why the child stopped before reporting `probe`."""
    doing = DOING.get(probe, probe)
    if run.outcome == "timeout":
        return (f"the grader stopped your code after {run.limits.get('timeout'):g} s while "
                f"{doing}. Is there an endless loop?")
    if run.signal == "SIGXCPU":
        return f"your code used more CPU time than allowed while {doing} (endless loop?)."
    if run.signal in ("SIGKILL",):
        return f"your code was killed while {doing} (out of memory?)."
    if run.signal:
        return (f"your code crashed the Python process ({run.signal}) while {doing}; this "
                f"often means it ran out of memory (limit {run.limits.get('memory_mb')} MiB).")
    if run.outcome == "no-start":
        tail = run.stderr.strip().splitlines()[-3:]
        return "the grader's worker process did not start: " + " / ".join(tail)
    return (f"the Python process ended (exit code {run.returncode}) while {doing}: did your "
            f"code call os._exit() or exit()?")


class _Gate(Exception):
    def __init__(self, status, message, key=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.key = key  # identifies one root error, reported once


def error_key(err: dict) -> str:
    where = (err or {}).get("where") or {}
    head = f"{err.get('type')}: {err.get('message')}" if err.get("message") else str(err.get("type"))
    return f"{head} @{where.get('line')}"


def _gate_reference(ref, probes):
    for p in probes:
        r = ref.probe(p)
        if r is None or r.status != "ok":
            if r is not None and r.status == "unavailable":
                why = r.error.get("message", "") if r.error else ""
                raise _Gate(UNAVAILABLE, f"not available yet: {why}")
            detail = ""
            if r is not None and r.error:
                detail = f" ({r.error.get('type')}: {r.error.get('message', '')[:200]})"
            raise _Gate(UNAVAILABLE, f"not gradable here: the reference solution cannot run "
                                     f"{DOING.get(p, p)} on this kgen{detail}.")


def _gate_submission(sub, probes, probe_timeout):
    for p in probes:
        r = sub.probe(p)
        if r is None:
            if sub.running == p or sub.outcome != "done":
                raise _Gate(ERROR, death_text(sub, sub.running or p),
                            f"the process ended during {sub.running}")
            raise _Gate(SKIPPED, f"not run ({DOING.get(p, p)} was not requested)")
        if r.status == "skipped":
            reason = r.reason or ""
            if reason.startswith("timeout:"):
                raise _Gate(SKIPPED, f"not run: {DOING.get(reason[8:], reason[8:])} timed out "
                                     f"earlier.")
            if reason.startswith("memory:"):
                raise _Gate(SKIPPED, f"not run: your code ran out of memory earlier, while "
                                     f"{DOING.get(reason[7:], reason[7:])}.")
            dep = reason[6:] if reason.startswith("needs:") else reason
            raise _Gate(SKIPPED, f"not run: check '{PROBE_CHECK.get(dep, dep)}' must pass "
                                 f"first.")
        if r.status == "timeout":
            raise _Gate(ERROR, f"timed out after {probe_timeout:g} s while {DOING.get(p, p)}. "
                               f"Is there an endless loop?", f"timeout in {p}")
        if r.status == "error":
            raise _Gate(ERROR, error_text(r.error or {}, p, sub), error_key(r.error or {}))
        if r.status == "unavailable":
            raise _Gate(UNAVAILABLE, "not available yet: " + (r.error or {}).get("message", ""))


def compare_arrays(expected, received, atol, rtol, label):
    """(ok, message, diff) for two arrays: shape, then values within atol + rtol*|expected|."""
    expected, received = np.asarray(expected), np.asarray(received)
    if received.shape != expected.shape:
        return False, (f"{label}: the output has shape {fmt_shape(received.shape)}; expected "
                       f"{fmt_shape(expected.shape)}."), {
            "expected_shape": list(expected.shape), "received_shape": list(received.shape)}
    if expected.size == 0:
        return True, "", {}
    e, r = expected.astype(np.float64), received.astype(np.float64)
    with np.errstate(invalid="ignore"):
        err = np.abs(r - e)
        err = np.where(np.isnan(err), np.inf, err)
        excess = err - (atol + rtol * np.abs(e))
    bad = excess > 0
    max_err = float(np.max(err))
    if not bad.any():
        return True, "", {"max_abs_error": max_err}
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), e.shape))
    n_bad = int(bad.sum())
    msg = (f"{label}: {n_bad} of {e.size} values differ from the reference; the largest "
           f"difference is at index {list(idx)}: expected {_num(e[idx])}, received "
           f"{_num(r[idx])} (tolerance atol={atol:g}, rtol={rtol:g}).")
    if np.all(r == 0) and not np.all(e == 0):
        msg += " Your output is all zeros."
    elif not np.all(np.isfinite(r)):
        msg += " Your output contains NaN or Inf."
    return False, msg, {"max_abs_error": max_err if np.isfinite(max_err) else None,
                        "index": list(idx), "expected": float(e[idx]),
                        "received": float(r[idx]), "mismatched": n_bad, "total": int(e.size)}


def _short_name(name: str) -> str:
    return str(name).split("/")[-1].split(":")[0]


def _fmt_weights(ws) -> str:
    if not ws:
        return "no weights"
    return ", ".join(f"{_short_name(w['name'])} {fmt_shape(w['shape'])}"
                     f"{'' if w['trainable'] else ' non-trainable'}" for w in ws)


def _cases(run, probe):
    return run.probe(probe).data.get("cases", [])


class LayerChecks:
    def __init__(self, ex, ref, sub):
        self.ex, self.ref, self.sub = ex, ref, sub

    def case_label(self, i):
        return f"input shape {fmt_shape(self.ex.input_shapes[i])}"

    def check_class(self):
        d = self.sub.probe("class").data
        name = self.ex.class_name
        if d.get("is_layer"):
            return True, f"{name} subclasses keras.layers.Layer.", {}
        if not d.get("found"):
            msg = f"your file defines no `{name}`."
            if d.get("similar"):
                msg += f" It defines {', '.join(d['similar'])}; names are case-sensitive."
            elif d.get("layer_classes"):
                msg += f" It defines the layer class(es) {', '.join(d['layer_classes'])}."
            return False, msg, {}
        if not d.get("is_class"):
            return False, f"`{name}` is not a class.", {}
        bases = ", ".join(d.get("bases") or []) or "object"
        return False, (f"`{name}` does not subclass keras.layers.Layer (its base classes: "
                       f"{bases})."), {}

    def check_init(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.ex.init_kwargs.items())
        return True, f"{self.ex.class_name}({args}) works.", {}

    def check_config(self):
        d = self.sub.probe("config").data
        cfg, rt = d.get("config", {}), d.get("roundtrip", {})
        from kgen.grader.probes import jsonable

        for key, value in self.ex.init_kwargs.items():
            if key not in cfg:
                return False, (f"get_config() has no '{key}' entry, so from_config() cannot "
                               f"rebuild the layer with the same {key}."), {"missing": key}
            if cfg[key] != jsonable(value):
                return False, (f"get_config()['{key}'] is {cfg[key]!r}; the layer was created "
                               f"with {key}={value!r}."), {"key": key}
        if cfg != rt:
            keys = sorted(k for k in set(cfg) | set(rt) if cfg.get(k) != rt.get(k))
            return False, (f"from_config(get_config()) gives a layer whose config differs in "
                           f"{', '.join(map(repr, keys[:5]))}."), {"keys": keys}
        return True, "the config round-trips.", {}

    def check_weights(self):
        got = self.sub.probe("weights").data.get("weights", [])
        want = self.ref.probe("weights").data.get("weights", [])

        def key(ws):
            return [(_short_name(w["name"]), list(w["shape"]), w["trainable"]) for w in ws]

        if key(got) == key(want):
            return True, f"build creates {_fmt_weights(got)}.", {}
        diff = {"expected": _fmt_weights(want), "received": _fmt_weights(got)}
        shape = fmt_shape(self.ex.input_shapes[0])
        return False, (f"after build({shape}): expected {len(want)} weight(s): "
                       f"{diff['expected']}; received {len(got)}: {diff['received']}."), diff

    def _shape_check(self, probe, what):
        got, want = _cases(self.sub, probe), _cases(self.ref, probe)
        problems = []
        for i, (g, w) in enumerate(zip(got, want)):
            if "error" in g:
                if not problems:  # the first problem is an exception: report it as one
                    raise _Gate(ERROR, f"{what} for {self.case_label(i)}: "
                                + error_text(g["error"], probe, self.sub), error_key(g["error"]))
                problems.append(f"for {self.case_label(i)}: " + error_text(g["error"], probe, self.sub))
            elif g["ok"] != w.get("ok"):
                problems.append(f"for {self.case_label(i)}: expected {fmt_shape(w.get('ok'))}, "
                                f"received {fmt_shape(g['ok'])}")
        if problems:
            return False, f"{what} " + problems[0] + (
                f" (and {len(problems) - 1} more input shape(s))" if len(problems) > 1 else ""), {
                "cases": problems}
        return True, f"{what} matches for {len(got)} input shape(s).", {}

    def check_output_shape(self):
        return self._shape_check("output_shape", "compute_output_shape:")

    def check_symbolic(self):
        return self._shape_check("symbolic", "layer(keras.Input):")

    def check_call(self):
        sub, ref = self.sub.probe("call"), self.ref.probe("call")
        for i, (g, w) in enumerate(zip(_cases(self.sub, "call"), _cases(self.ref, "call"))):
            label = f"call for {self.case_label(i)}"
            if "error" in g:
                raise _Gate(ERROR, f"{label}: " + error_text(g["error"], "call", self.sub),
                            error_key(g["error"]))
            if "error" in w:
                continue
            ok, msg, diff = compare_arrays(ref.arrays[f"y{i}"], sub.arrays[f"y{i}"],
                                           self.ex.atol, self.ex.rtol, label)
            if not ok:
                if g["ok"]["weight_shapes"] != w["ok"]["weight_shapes"]:
                    msg += (f" Your layer's weights have shapes {g['ok']['weight_shapes']}, the "
                            f"reference's {w['ok']['weight_shapes']}, so set_weights could not "
                            f"give them the same values.")
                return False, msg, dict(diff, case=i)
        return True, f"call matches the reference for {len(self.ex.input_shapes)} input shape(s).", {}

    def check_call_shape(self):
        sub = self.sub.probe("call")
        for i, (g, s) in enumerate(zip(_cases(self.sub, "call"), _cases(self.sub, "output_shape"))):
            if "error" in g or "error" in s:
                raise _Gate(SKIPPED, f"not run for {self.case_label(i)}: call or "
                                     f"compute_output_shape failed (see those checks).")
            got = list(sub.arrays[f"y{i}"].shape)
            declared = s["ok"]
            if len(got) != len(declared) or any(d is not None and d != n
                                                for d, n in zip(declared, got)):
                return False, (f"for {self.case_label(i)}, call returned shape "
                               f"{fmt_shape(got)} but compute_output_shape says "
                               f"{fmt_shape(declared)}."), {"case": i}
        return True, "call returns the shapes compute_output_shape declares.", {}

    def check_finite(self):
        sub = self.sub.probe("call")
        arrays = [(k, a) for k, a in sorted(sub.arrays.items())]
        if not arrays:
            raise _Gate(SKIPPED, "not run: call produced no output (see check 'call').")
        for k, a in arrays:
            if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
                i = int(k[1:])
                n_nan, n_inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
                idx = [int(j) for j in np.argwhere(~np.isfinite(a))[0]]
                return False, (f"for {self.case_label(i)}, the output has {n_nan} NaN and "
                               f"{n_inf} Inf value(s), the first at index {idx}."), {
                    "nan": n_nan, "inf": n_inf, "index": idx}
        return True, "no NaN or Inf.", {}

    def check_model(self):
        ok, msg, diff = compare_arrays(self.ref.probe("model").arrays["y"],
                                       self.sub.probe("model").arrays["y"],
                                       self.ex.atol, self.ex.rtol, "Model(Input, layer(Input)).predict")
        return ok, msg or "the layer works inside a functional Model.", diff

    def check_shared(self):
        sub, ref = self.sub.probe("shared"), self.ref.probe("shared")
        want_nodes = ref.data.get("nodes")
        got_nodes = sub.data.get("nodes")
        if want_nodes is not None and got_nodes != want_nodes:
            return False, (f"after calling one instance on two inputs the layer has {got_nodes} "
                           f"inbound node(s); expected {want_nodes} (one per call)."), {}
        built = self.sub.probe("weights")
        once = len(built.data.get("weights", [])) if built and built.status == "ok" else None
        if once is not None and sub.data.get("n_weights") != once:
            return False, (f"after two calls the layer has {sub.data.get('n_weights')} weights, "
                           f"after one build {once}: a second call must reuse the weights "
                           f"made by the first."), {}
        for k, which in (("ya", "first"), ("yb", "second")):
            ok, msg, diff = compare_arrays(ref.arrays[k], sub.arrays[k], self.ex.atol,
                                           self.ex.rtol, f"the shared layer's {which} output")
            if not ok:
                return False, msg, diff
        return True, "one layer instance serves two inputs (two nodes, one set of weights).", {}

    def check_gradients(self):
        return _compare_steps(self.ex, self.ref, self.sub)


def _gradients(arrays, lr):
    """The gradient of each weight implied by one SGD step: (before - after) / lr."""
    n = sum(1 for k in arrays if k.startswith("w"))
    return [(arrays[f"b{k}"].astype(np.float64) - arrays[f"w{k}"]) / lr for k in range(n)]


def _compare_steps(ex, ref, sub):
    lr = ex.learning_rate
    want = _gradients(ref.probe("gradients").arrays, lr)
    got = _gradients(sub.probe("gradients").arrays, lr)
    if len(got) != len(want):
        what = "the training model (Input, Dense, your layer)" if ex.kind == "layer" else "your model"
        return False, (f"{what} has {len(got)} weight arrays; the reference's has "
                       f"{len(want)}."), {}
    for k, (w, g) in enumerate(zip(want, got)):
        ok, msg, diff = compare_arrays(w, g, ex.grad_atol, ex.grad_rtol,
                                       f"the gradient of weight {k}")
        if not ok:
            if not np.any(g) and np.any(w):
                msg += (" Your code gives this weight no gradient at all: is a numpy function "
                        "(np.*, .numpy()) cutting the engine's gradient tape?")
            return False, msg, diff
    return True, f"one SGD step gives the reference's gradients ({len(want)} weights).", {}


class ModelChecks:
    def __init__(self, ex, ref, sub):
        self.ex, self.ref, self.sub = ex, ref, sub

    def _model_facts(self):
        d = self.sub.probe("build").data
        if not d.get("is_model"):
            raise _Gate(SKIPPED, "not run: check 'returns_model' must pass first.")
        return d

    def check_function(self):
        d = self.sub.probe("function").data
        name = self.ex.function
        if d.get("callable"):
            return True, f"{name}() is defined.", {}
        if not d.get("found"):
            msg = f"your file defines no `{name}`."
            if d.get("similar"):
                msg += f" It defines {', '.join(d['similar'])}; names are case-sensitive."
            return False, msg, {}
        return False, f"`{name}` is not a function.", {}

    def check_returns_model(self):
        d = self.sub.probe("build").data
        if d.get("is_model"):
            return True, f"{self.ex.function}() returns a {d.get('type')}.", {}
        return False, (f"{self.ex.function}() returned {d.get('type')}; it should return a "
                       f"keras.Model."), {}

    def check_io_shapes(self):
        g, w = self._model_facts(), self.ref.probe("build").data
        for part in ("inputs", "outputs"):
            if g.get(part) != w.get(part):
                fg = ", ".join(fmt_shape(s) for s in g.get(part) or [])
                fw = ", ".join(fmt_shape(s) for s in w.get(part) or [])
                return False, f"model {part}: expected {fw}; received {fg}.", {
                    "expected": w.get(part), "received": g.get(part)}
        return True, "inputs and outputs have the reference's shapes.", {}

    def check_params(self):
        g, w = self._model_facts(), self.ref.probe("build").data
        if g.get("count_params") != w.get("count_params"):
            return False, (f"the model has {g.get('count_params')} parameters; the reference "
                           f"has {w.get('count_params')}."), {
                "expected": w.get("count_params"), "received": g.get("count_params")}
        gs = [list(x["shape"]) for x in g.get("weights", [])]
        ws = [list(x["shape"]) for x in w.get("weights", [])]
        if gs != ws:
            return False, (f"weight shapes in get_weights() order: expected "
                           f"{', '.join(map(fmt_shape, ws))}; received "
                           f"{', '.join(map(fmt_shape, gs))}."), {}
        return True, f"{w.get('count_params')} parameters, weights in the reference's order.", {}

    def check_outputs(self):
        sub, ref = self.sub.probe("outputs"), self.ref.probe("outputs")
        for i, (g, w) in enumerate(zip(_cases(self.sub, "outputs"), _cases(self.ref, "outputs"))):
            label = f"predict with batch size {self.ex.batch_sizes[i]}"
            if "error" in g:
                raise _Gate(ERROR, f"{label}: " + error_text(g["error"], "outputs", self.sub),
                            error_key(g["error"]))
            if g["ok"]["n_outputs"] != w["ok"]["n_outputs"]:
                return False, (f"{label}: the model gave {g['ok']['n_outputs']} output(s); "
                               f"expected {w['ok']['n_outputs']}."), {}
            for k in range(w["ok"]["n_outputs"]):
                ok, msg, diff = compare_arrays(ref.arrays[f"b{i}_y{k}"], sub.arrays[f"b{i}_y{k}"],
                                               self.ex.atol, self.ex.rtol,
                                               f"{label}, output {k}")
                if not ok:
                    return False, msg, diff
        return True, "predictions match the reference.", {}

    def check_finite(self):
        for k, a in sorted(self.sub.probe("outputs").arrays.items()):
            if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
                return False, (f"output {k} has {int((~np.isfinite(a)).sum())} NaN/Inf "
                               f"value(s)."), {}
        return True, "no NaN or Inf.", {}

    def check_shared(self):
        def shared(run):
            return sorted((l["class"], l["nodes"]) for l in run.probe("build").data["layers"]
                          if (l.get("nodes") or 0) >= 2 and l.get("n_weights"))

        self._model_facts()
        want, got = shared(self.ref), shared(self.sub)
        if got == want:
            return True, "the shared layer(s) are called on several inputs.", {}
        fw = ", ".join(f"one {c} called {n} times" for c, n in want) or "no shared layer"
        fg = ", ".join(f"one {c} called {n} times" for c, n in got) or "no layer called twice"
        return False, f"expected {fw}; your model has {fg}.", {}

    def check_gradients(self):
        return _compare_steps(self.ex, self.ref, self.sub)


def evaluate(ex, ref, sub, only=None) -> list:
    """CheckResults for every check of the exercise (or only the named one)."""
    table = CHECK_PROBES[ex.kind]
    impl = (LayerChecks if ex.kind == "layer" else ModelChecks)(ex, ref, sub)
    results = []
    seen: dict = {}
    for spec in ex.checks:
        if only and spec.name != only:
            continue
        probes = table[spec.name]
        hint = ""
        diff = {}
        key = None
        try:
            _gate_reference(ref, probes)
            _gate_submission(sub, probes, sub.limits.get("probe_timeout", 0))
            ok, message, diff = getattr(impl, "check_" + spec.name)()
            status = PASSED if ok else FAILED
        except _Gate as g:
            status, message, key = g.status, g.message, g.key
        except Exception as e:  # noqa: BLE001 - a grader bug must not stop the batch
            status, message = ERROR, f"the grader failed on this check ({type(e).__name__}: {e})."
        if status in (FAILED, ERROR):
            hint = spec.hint
            first = seen.get(key) if key else None
            if first is not None:  # one root cause, reported once
                message, hint = f"same problem as check '{first}' ({key.split(' @')[0]}).", ""
            elif key:
                seen[key] = spec.name
        results.append(CheckResult(
            name=spec.name, description=spec.description, status=status,
            points=spec.points, score=spec.points if status == PASSED else Fraction(0),
            required=spec.required, message=message, hint=hint, diff=diff))
    return results

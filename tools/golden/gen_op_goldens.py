#!/usr/bin/env python3
"""Golden values for every runtime kernel of the processor's op table, on special values.

Run with Debian's PyTorch 1.13 (the default `python3` may lack torch):

    /usr/bin/python3 tools/golden/gen_op_goldens.py

Writes processor/src/test/resources/golden/ops.json, read by OpSpecialValuesTest. For every op of
processor/src/main/java/dev/lossforge/processor/ir/Op.java whose emission template calls a runtime kernel
method, the file holds cases: the Java method's name and its arguments in call order (tensors, numbers,
shapes, dims), and what PyTorch's own op gives for them in float64 and float32. Tensor arguments are
NaN, +Inf, -Inf, -0.0, 0.0 and ordinary values (every pair of them for binary ops), and empty arrays.

PyTorch's twin of each op is named in its `twin` field: the op itself (torch.clamp, torch.relu, ...), or,
for a gradient kernel, torch.autograd.grad of the forward op. Everything is deterministic.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_goldens import enc_number as num  # noqa: E402  (NaN and infinities as the golden files write them)

torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "processor", "src", "test", "resources", "golden", "ops.json")
F64, F32, I64 = torch.float64, torch.float32, torch.int64
NAN, INF = float("nan"), float("inf")

# the special values, and a few ordinary ones that are exact in float16
SPECIAL = [NAN, INF, -INF, -0.0, 0.0, 1.0, -1.5, 0.5, 2.0, 25.0, -25.0]
PAIR = [NAN, INF, -INF, -0.0, 0.0, 1.0, -1.5]


def enc(t):
    return {"shape": list(t.shape), "data": [num(float(v)) for v in t.detach().reshape(-1).tolist()]}


# ---------------------------------------------------------------------------------------------- arguments
class Arg:
    """One argument of the Java call: its kind (the Java parameter type) and its value."""

    def __init__(self, kind, value):
        self.kind = kind
        self.value = value

    def torch_value(self, dtype):
        if self.kind == "tensor":
            return self.value.to(dtype)
        return self.value

    def json(self):
        if self.kind in ("tensor", "index"):
            d = enc(self.value)
            d["kind"] = self.kind
            return d
        if self.kind == "double":
            return {"kind": "double", "value": num(self.value)}
        return {"kind": self.kind, "value": self.value}


def T(values, shape=None):
    t = torch.tensor(values, dtype=F64)
    return Arg("tensor", t.reshape(shape) if shape is not None else t)


def E(*shape):
    return Arg("tensor", torch.zeros(shape, dtype=F64))


def D(v):
    return Arg("double", float(v))


def L(v):
    return Arg("long", int(v))


def I(v):
    return Arg("int", int(v))


def INTS(*v):
    return Arg("ints", list(v))


def SHAPE(*v):
    return Arg("shape", list(v))


def B(v):
    return Arg("boolean", bool(v))


def IX(values, shape=None):
    t = torch.tensor(values, dtype=I64)
    return Arg("index", t.reshape(shape) if shape is not None else t)


def pairs():
    """Every pair of PAIR's values: a and b of the same shape."""
    a = [x for x in PAIR for _ in PAIR]
    b = [y for _ in PAIR for y in PAIR]
    return T(a), T(b)


ROWS = [[NAN, 1.0], [INF, 1.0], [-INF, -INF], [INF, -INF], [INF, INF], [-0.0, 0.0], [1.0, 2.0], [-INF, 1.0]]


def grad_of(f, wrt, g):
    """d f / d args[wrt] contracted with g: PyTorch's backward of f."""

    def compute(*args):
        xs = [a.clone().requires_grad_(i in wrt) if isinstance(a, torch.Tensor) and a.is_floating_point() else a
              for i, a in enumerate(args)]
        out = f(*xs)
        grads = torch.autograd.grad(out, [xs[i] for i in wrt], g(out), allow_unused=True)
        return grads[0] if grads[0] is not None else torch.zeros_like(xs[wrt[0]])

    return compute


# ---------------------------------------------------------------------------------------------- cases
OPS = {}


def case(op, cid, method, twin, args, fn):
    """A case of op: its template's <Class>.<method>(args) must equal fn(*torch args), PyTorch's twin."""
    out = {}
    for name, dtype in (("float64", F64), ("float32", F32)):
        r = fn(*[a.torch_value(dtype) for a in args])
        out[name] = enc(r.to(dtype))
    OPS.setdefault(op, []).append({"id": cid, "method": method, "twin": twin, "args": [a.json() for a in args],
                                   "float64": out["float64"], "float32": out["float32"]})


def unary(op, method, twin, fn):
    case(op, "special", method, twin, [T(SPECIAL)], fn)
    case(op, "empty", method, twin, [E(0, 3)], fn)


def binary(op, method, twin, fn, scalar=True):
    a, b = pairs()
    case(op, "pairs", method, twin, [a, b], fn)
    case(op, "broadcast", method, twin, [T(PAIR, (7, 1)), T(PAIR[::-1])], fn)
    case(op, "empty", method, twin, [E(0, 3), E(0, 3)], fn)
    case(op, "empty_broadcast", method, twin, [E(0, 3), E(3)], fn)
    if scalar:
        for v in (0.0, -1.5, INF, NAN):
            case(op, "number_%s" % num(v), method, twin, [T(SPECIAL), D(v)], fn)
        case(op, "number_empty", method, twin, [E(0, 3), D(2.0)], fn)


def autograd_ones(f):
    return lambda out: torch.ones_like(out)


def build():
    # ---------------------------------------------------------------- arithmetic
    binary("ADD", "add", "torch.add", lambda a, b: a + b)
    binary("SUB", "sub", "torch.sub", lambda a, b: a - b)
    binary("MUL", "mul", "torch.mul", lambda a, b: a * b)
    binary("DIV", "div", "torch.div", lambda a, b: a / b)
    for v in (2.0, -1.5, 0.0):  # constant(v).sub(x) and kind
        case("ADD", "number_first_%s" % num(v), "add", "torch.add", [D(v), T(SPECIAL)], lambda a, b: a + b)
        case("SUB", "number_first_%s" % num(v), "sub", "torch.sub", [D(v), T(SPECIAL)], lambda a, b: a - b)
        case("MUL", "number_first_%s" % num(v), "mul", "torch.mul", [D(v), T(SPECIAL)], lambda a, b: a * b)
        case("DIV", "number_first_%s" % num(v), "div", "torch.div", [D(v), T(SPECIAL)], lambda a, b: a / b)
    unary("NEG", "neg", "torch.neg", lambda a: -a)
    for p in (2.0, 0.5, -0.5, 3.0, -1.0, -2.0, 0.0, 1.5):
        case("POW", "p_%s" % num(p), "pow", "torch.pow", [T(SPECIAL), D(p)], lambda a, p: torch.pow(a, p))
    case("POW", "empty", "pow", "torch.pow", [E(0, 3), D(0.5)], lambda a, p: torch.pow(a, p))

    # ---------------------------------------------------------------- elementwise functions
    unary("EXP", "exp", "torch.exp", torch.exp)
    unary("LOG", "log", "torch.log", torch.log)
    unary("LOG1P", "log1p", "torch.log1p", torch.log1p)
    binary("XLOGY", "xlogy", "torch.xlogy", torch.xlogy)
    # a zero x against every kind of y (0 log 0 is 0; a NaN y stays NaN), and y positive and normal, where the
    # portable kernel takes its SIMD loop: x = 0 or -0 with log y < 0 must give 0, not -0
    case("XLOGY", "zero_x", "xlogy", "torch.xlogy", [T([0.0] * len(SPECIAL)), T(SPECIAL)], torch.xlogy)
    case("XLOGY", "positive_y", "xlogy", "torch.xlogy",
         [T([0.0, -0.0, 0.0, 1.0, -1.5, 2.0, NAN, INF, 0.5, 25.0, -0.0, 3.0, -INF, 0.25]),
          T([0.5, 0.25, 2.0, 0.5, 0.0009765625, 25.0, 0.5, 1.0, 6.103515625e-05, 32768.0, 6.103515625e-05, 7.0, 0.5, 1.0])], torch.xlogy)
    unary("EXPM1", "expm1", "torch.expm1", torch.expm1)
    case("EXPM1", "tiny", "expm1", "torch.expm1", [T([1e-10, -1e-10, 1e-18, -3e-8, 5e-8])], torch.expm1)
    unary("SQRT", "sqrt", "torch.sqrt", torch.sqrt)
    unary("SQUARE", "square", "torch.square", torch.square)
    unary("ATAN", "atan", "torch.atan", torch.atan)
    unary("ABS", "abs", "torch.abs", torch.abs)
    unary("SIGMOID", "sigmoid", "torch.sigmoid", torch.sigmoid)
    unary("LOG_SIGMOID", "logSigmoid", "F.logsigmoid", F.logsigmoid)
    unary("SOFTPLUS", "softplus", "F.softplus", F.softplus)
    case("SOFTPLUS", "threshold", "softplus", "F.softplus", [T([19.5, 20.0, 20.5, -20.0, -30.0])], F.softplus)
    unary("RELU", "relu", "torch.relu", torch.relu)
    for lo, hi in ((-1.0, 1.0), (0.0, INF), (1.0, -1.0)):
        case("CLAMP", "lo_%s_hi_%s" % (num(lo), num(hi)), "clamp", "torch.clamp", [T(SPECIAL), D(lo), D(hi)],
             lambda a, lo, hi: torch.clamp(a, lo, hi))
    case("CLAMP", "empty", "clamp", "torch.clamp", [E(0, 3), D(-1), D(1)], lambda a, lo, hi: torch.clamp(a, lo, hi))
    for op, method in (("CLAMP_MIN", "clampMin"), ("CLAMP_MIN_STRAIGHT_THROUGH", "clampMinStraightThrough")):
        for lo in (0.0, 1e-6, -1.0):
            case(op, "lo_%s" % num(lo), method, "torch.clamp_min", [T(SPECIAL), D(lo)], torch.clamp_min)
        case(op, "empty", method, "torch.clamp_min", [E(0, 3), D(0.0)], torch.clamp_min)
    for hi in (0.0, 1.0, -1.0):
        case("CLAMP_MAX", "hi_%s" % num(hi), "clampMax", "torch.clamp_max", [T(SPECIAL), D(hi)], torch.clamp_max)
    case("CLAMP_MAX", "empty", "clampMax", "torch.clamp_max", [E(0, 3), D(0.0)], torch.clamp_max)
    binary("MAXIMUM", "maximum", "torch.maximum", torch.maximum, scalar=False)
    binary("MINIMUM", "minimum", "torch.minimum", torch.minimum, scalar=False)

    # ---------------------------------------------------------------- comparisons (0/1 in the values' dtype) and where
    for op, method, f in (("GT", "gt", torch.gt), ("GE", "ge", torch.ge), ("LT", "lt", torch.lt), ("LE", "le", torch.le),
                          ("EQ", "eq", torch.eq), ("NE", "ne", torch.ne)):
        binary(op, method, "torch." + method, lambda a, b, f=f: f(a, b).to(a.dtype if isinstance(a, torch.Tensor) else b.dtype))
    a, b = pairs()
    cond = T([1.0, 0.0, NAN, -0.0, INF, 0.0, -1.0] * 7)

    def where(c, x, y):
        like = c if isinstance(c, torch.Tensor) else x
        x = x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=like.dtype)
        y = y if isinstance(y, torch.Tensor) else torch.tensor(y, dtype=like.dtype)
        return torch.where(c != 0, x, y)

    case("WHERE", "pairs", "where", "torch.where(cond != 0, a, b)", [cond, a, b], where)
    case("WHERE", "number_else", "where", "torch.where(cond != 0, a, b)", [cond, a, D(0.0)], where)
    case("WHERE", "number_then", "where", "torch.where(cond != 0, a, b)", [cond, D(0.0), b], where)
    case("WHERE", "broadcast", "where", "torch.where(cond != 0, a, b)", [T([1.0, 0.0, NAN], (3, 1)), T(PAIR), D(INF)], where)
    case("WHERE", "empty", "where", "torch.where(cond != 0, a, b)", [E(0, 3), E(0, 3), E(0, 3)], where)
    case("WHERE", "empty_broadcast", "where", "torch.where(cond != 0, a, b)", [E(0, 1), E(3), D(1.0)], where)
    unary("SIGN", "sign", "torch.sign", torch.sign)
    case("RSUB_ONE", "special", "rsub", "1 - x", [D(1.0), T(SPECIAL)], lambda one, a: one - a)
    case("RSUB_ONE", "empty", "rsub", "1 - x", [D(1.0), E(0, 3)], lambda one, a: one - a)
    unary("ZEROS_LIKE", "zerosLike", "torch.zeros_like", torch.zeros_like)

    # ---------------------------------------------------------------- shapes
    case("UNSQUEEZE", "special", "unsqueeze", "torch.unsqueeze", [T(SPECIAL), I(0)], torch.unsqueeze)
    case("UNSQUEEZE", "last", "unsqueeze", "torch.unsqueeze", [T(SPECIAL, (11, 1)), I(-1)], torch.unsqueeze)
    case("UNSQUEEZE", "empty", "unsqueeze", "torch.unsqueeze", [E(0, 3), I(1)], torch.unsqueeze)
    case("SQUEEZE", "special", "squeeze", "torch.squeeze", [T(SPECIAL, (11, 1)), I(1), I(1)], lambda g, d, r: g.squeeze(d))
    case("SQUEEZE", "empty", "squeeze", "torch.squeeze", [E(0, 1), I(1), I(1)], lambda g, d, r: g.squeeze(d))
    case("SUM_TO", "rows", "sumTo", "Tensor.sum_to_size", [T(SPECIAL[:10], (5, 2)), SHAPE(1, 2)], lambda g, s: g.sum_to_size(s))
    case("SUM_TO", "leading", "sumTo", "Tensor.sum_to_size", [T(SPECIAL[:10], (5, 2)), SHAPE(2)], lambda g, s: g.sum_to_size(s))
    case("SUM_TO", "empty", "sumTo", "Tensor.sum_to_size", [E(0, 3), SHAPE(1, 3)], lambda g, s: g.sum_to_size(s))

    # ---------------------------------------------------------------- reductions
    rows = T(ROWS)
    for op, method, f in (("SUM", "sum", torch.sum), ("MEAN", "mean", torch.mean)):
        case(op, "all", method, "torch." + method, [rows, INTS()], lambda x, d, f=f: f(x))
        case(op, "dim1", method, "torch." + method, [rows, INTS(1)], lambda x, d, f=f: f(x, d))
        case(op, "dim0", method, "torch." + method, [rows, INTS(0)], lambda x, d, f=f: f(x, d))
        case(op, "empty_all", method, "torch." + method, [E(0, 3), INTS()], lambda x, d, f=f: f(x))
        case(op, "empty_dim0", method, "torch." + method, [E(0, 3), INTS(0)], lambda x, d, f=f: f(x, d))
        case(op, "empty_dim1", method, "torch." + method, [E(0, 3), INTS(1)], lambda x, d, f=f: f(x, d))
    for op, method, f in (("LOGSUMEXP", "logsumexp", torch.logsumexp), ("LOG_SOFTMAX", "logSoftmax", torch.log_softmax),
                          ("SOFTMAX", "softmax", torch.softmax)):
        case(op, "rows", method, "torch." + f.__name__, [rows, I(1)], f)
        case(op, "columns", method, "torch." + f.__name__, [Arg("tensor", torch.tensor(ROWS, dtype=F64).t().contiguous()), I(0)], f)
        case(op, "empty", method, "torch." + f.__name__, [E(0, 3), I(1)], f)
    case("AMAX", "rows", "amax", "torch.amax", [rows, I(1)], lambda x, d: torch.amax(x, d))
    case("AMAX", "columns", "amax", "torch.amax", [rows, I(0)], lambda x, d: torch.amax(x, d))
    case("AMAX", "empty", "amax", "torch.amax", [E(0, 3), I(1)], lambda x, d: torch.amax(x, d))
    for p in (1.0, 2.0, 3.0):
        case("NORM", "p_%s" % num(p), "norm", "torch.norm", [rows, D(p), I(1)], lambda x, p, d: torch.norm(x, p, d))
    case("NORM", "empty", "norm", "torch.norm", [E(0, 3), D(2.0), I(1)], lambda x, p, d: torch.norm(x, p, d))
    g8 = T([1.0, -0.5, 2.0, 1.0, 0.5, 1.0, -1.0, 1.0])
    for p in (1.0, 2.0, 3.0):
        def norm_backward(g, x, n, p, d):
            return grad_of(lambda t: torch.norm(t, p, d), [0], lambda out: g)(x)
        norms = torch.norm(torch.tensor(ROWS, dtype=F64), p, 1)
        case("NORM_BACKWARD", "p_%s" % num(p), "normBackward", "autograd of torch.norm",
             [g8, rows, Arg("tensor", norms), D(p), I(1)], norm_backward)
    case("NORM_BACKWARD", "empty", "normBackward", "autograd of torch.norm", [E(0), E(0, 3), E(0), D(2.0), I(1)],
         lambda g, x, n, p, d: torch.zeros_like(x))

    def sum_backward(g, shape, dims):
        x = torch.zeros(shape, dtype=g.dtype)
        return grad_of(lambda t: t.sum(dims) if dims else t.sum(), [0], lambda out: g)(x)

    def mean_backward(g, shape, dims):
        x = torch.zeros(shape, dtype=g.dtype)
        return grad_of(lambda t: t.mean(dims) if dims else t.mean(), [0], lambda out: g)(x)

    for op, method, f in (("SUM_BACKWARD", "sumBackward", sum_backward), ("MEAN_BACKWARD", "meanBackward", mean_backward)):
        twin = "autograd of torch." + method[:-8]
        case(op, "dim1", method, twin, [T(SPECIAL[:8]), SHAPE(8, 2), INTS(1)], f)
        case(op, "all", method, twin, [T(NAN), SHAPE(2, 3), INTS()], f)
        case(op, "all_infinite", method, twin, [T(INF), SHAPE(2, 3), INTS()], f)
        case(op, "empty_dim1", method, twin, [E(0), SHAPE(0, 3), INTS(1)], f)
        case(op, "empty_all", method, twin, [T(1.0), SHAPE(0, 3), INTS()], f)

    # ---------------------------------------------------------------- indexing
    s52 = T(SPECIAL[:10], (5, 2))
    case("SELECT", "column", "select", "torch.select", [s52, I(1), L(0)], lambda t, d, i: torch.select(t, d, i))
    case("SELECT", "last_row", "select", "torch.select", [s52, I(0), L(-1)], lambda t, d, i: torch.select(t, d, i))
    case("SELECT", "empty", "select", "torch.select", [E(0, 3), I(1), L(1)], lambda t, d, i: torch.select(t, d, i))

    def select_backward(g, shape, dim, index):
        return grad_of(lambda t: torch.select(t, dim, index), [0], lambda out: g)(torch.zeros(shape, dtype=g.dtype))

    case("SELECT_BACKWARD", "column", "selectBackward", "autograd of torch.select", [T(SPECIAL[:5]), SHAPE(5, 2), I(1), L(0)],
         select_backward)
    case("SELECT_BACKWARD", "last_row", "selectBackward", "autograd of torch.select", [T(SPECIAL[:2]), SHAPE(5, 2), I(0), L(-1)],
         select_backward)
    case("SELECT_BACKWARD", "empty", "selectBackward", "autograd of torch.select", [E(0), SHAPE(0, 3), I(1), L(1)],
         select_backward)
    t43 = T([NAN, 1.0, 2.0, INF, -INF, 0.5, -0.0, 1.0, NAN, 3.0, 4.0, 5.0], (4, 3))
    idx = IX([0, 2, 1, 2])

    def gather(t, dim, index, ignore):
        picked = torch.gather(t, dim, index.clamp(min=0).unsqueeze(dim)).squeeze(dim)
        return torch.where(index == ignore, torch.zeros_like(picked), picked)

    case("GATHER", "special", "gather", "torch.gather", [t43, I(1), idx, L(-100)], gather)
    case("GATHER", "ignored", "gather", "torch.gather", [t43, I(1), IX([0, -100, 1, 2]), L(-100)], gather)
    case("GATHER", "empty", "gather", "torch.gather", [E(0, 3), I(1), IX([], (0,)), L(-100)], gather)

    def pick(t, dim, index, ignore):
        return -F.nll_loss(torch.log_softmax(t, dim), index, ignore_index=ignore, reduction="none")

    lrows = T([[NAN, 1.0, 0.0], [INF, 1.0, 0.0], [-INF, 1.0, 0.0], [1.0, 2.0, 3.0], [-0.0, 0.0, 0.0]])
    lidx = IX([1, 0, 0, 2, -100])
    case("LOG_SOFTMAX_PICK", "special", "logSoftmaxPick", "-F.nll_loss(log_softmax)", [lrows, I(1), lidx, L(-100)], pick)
    case("LOG_SOFTMAX_PICK", "empty", "logSoftmaxPick", "-F.nll_loss(log_softmax)", [E(0, 3), I(1), IX([], (0,)), L(-100)], pick)
    g5 = T([1.0, 0.5, -1.0, 2.0, 1.0])

    def pick_backward(g, t, dim, index, ignore):
        return grad_of(lambda x: pick(x, dim, index, ignore), [0], lambda out: g)(t)

    case("LOG_SOFTMAX_PICK_BACKWARD", "special", "logSoftmaxPickBackward", "autograd of -F.nll_loss(log_softmax)",
         [g5, lrows, I(1), lidx, L(-100)], pick_backward)
    # logits far apart: exp(x - x[k]) overflows when another logit is far above the picked one, and underflows
    # when the picked one is far above the others
    far = T([[-1000.0, 0.0, 0.0], [0.0, 1000.0, -1000.0], [50.0, -50.0, 0.0], [3.0, 1.0, 2.0], [-90.0, 0.0, 90.0]])
    case("LOG_SOFTMAX_PICK_BACKWARD", "far", "logSoftmaxPickBackward", "autograd of -F.nll_loss(log_softmax)",
         [g5, far, I(1), IX([0, 1, 1, 2, 0]), L(-100)], pick_backward)
    case("LOG_SOFTMAX_PICK_BACKWARD", "empty", "logSoftmaxPickBackward", "autograd of -F.nll_loss(log_softmax)",
         [E(0), E(0, 3), I(1), IX([], (0,)), L(-100)], lambda g, t, *rest: torch.zeros_like(t))

    def ls_backward(g, x, dim):
        return grad_of(lambda t: torch.log_softmax(t, dim), [0], lambda out: g)(x)

    g82 = T([1.0, -0.5, 2.0, 1.0, 0.5, 1.0, -1.0, 1.0, 0.0, 2.0, 1.0, 1.0, -2.0, 0.5, 1.0, 1.0], (8, 2))
    case("LOG_SOFTMAX_BACKWARD", "rows", "logSoftmaxBackward", "autograd of torch.log_softmax", [g82, rows, I(1)], ls_backward)
    case("LOG_SOFTMAX_BACKWARD", "nan_gradient", "logSoftmaxBackward", "autograd of torch.log_softmax",
         [T([NAN, 1.0, 1.0, 1.0], (2, 2)), T([1.0, 2.0, 3.0, 4.0], (2, 2)), I(1)], ls_backward)
    case("LOG_SOFTMAX_BACKWARD", "empty", "logSoftmaxBackward", "autograd of torch.log_softmax", [E(0, 3), E(0, 3), I(1)],
         ls_backward)

    def gather_backward(g, shape, dim, index, ignore):
        t = torch.zeros(shape, dtype=g.dtype)
        return grad_of(lambda x: gather(x, dim, index, ignore), [0], lambda out: g)(t)

    g4 = T([NAN, INF, -0.0, 2.0])
    case("GATHER_BACKWARD", "special", "gatherBackward", "autograd of torch.gather", [g4, SHAPE(4, 3), I(1), idx, L(-100)],
         gather_backward)
    case("GATHER_BACKWARD", "ignored", "gatherBackward", "autograd of torch.gather",
         [g4, SHAPE(4, 3), I(1), IX([0, -100, 1, 2]), L(-100)], gather_backward)
    case("GATHER_BACKWARD", "empty", "gatherBackward", "autograd of torch.gather",
         [E(0), SHAPE(0, 3), I(1), IX([], (0,)), L(-100)], gather_backward)

    def take(w, index, ignore):
        if w.dim() == 0:
            picked = w.expand(index.shape)
        else:
            picked = w[index.clamp(min=0)]
        return torch.where(index == ignore, torch.zeros_like(picked), picked)

    w3 = T([NAN, INF, -0.0])
    case("TAKE", "special", "take", "weight[index]", [w3, IX([0, 1, 2, -100, 2]), L(-100)], take)
    case("TAKE", "scalar_weight", "take", "weight[index]", [T(NAN), IX([0, 1, -100]), L(-100)], take)
    case("TAKE", "empty", "take", "weight[index]", [w3, IX([], (0,)), L(-100)], take)
    case("SCALE_ALONG", "special", "scaleAlong", "t * w.view(1, C)", [t43, I(1), w3], lambda t, d, w: t * w.view(1, -1))
    case("SCALE_ALONG", "empty", "scaleAlong", "t * w.view(1, C)", [E(0, 3), I(1), w3], lambda t, d, w: t * w.view(1, -1))
    case("PICK_MASK", "special", "pickMask", "F.one_hot", [t43, I(1), idx], lambda t, d, i: F.one_hot(i, 3).to(t.dtype))
    case("PICK_MASK", "empty", "pickMask", "F.one_hot", [E(0, 3), I(1), IX([], (0,))], lambda t, d, i: torch.zeros(0, 3, dtype=t.dtype))
    case("AS_VALUES", "indices", "asValues", "Tensor.double", [IX([0, 2, 1])], lambda i: i.double())
    case("AS_VALUES", "empty", "asValues", "Tensor.double", [IX([], (0,))], lambda i: i.double())

    # ---------------------------------------------------------------- GaussianNLLLoss's variance
    var = T([NAN, INF, -0.0, 1.0])
    case("ALIGN_VARIANCE", "lacks_last_dim", "alignVariance", "var.unsqueeze(-1).expand_as(input)", [var, E(4, 2)],
         lambda v, x: v.unsqueeze(-1).expand_as(x))
    case("ALIGN_VARIANCE", "same_shape", "alignVariance", "var.expand_as(input)", [T(SPECIAL[:8], (4, 2)), E(4, 2)],
         lambda v, x: v.expand_as(x))
    case("ALIGN_VARIANCE", "empty", "alignVariance", "var.unsqueeze(-1).expand_as(input)", [E(0), E(0, 2)],
         lambda v, x: v.unsqueeze(-1).expand_as(x))
    case("ALIGN_VARIANCE_BACKWARD", "lacks_last_dim", "alignVarianceBackward", "autograd of var.unsqueeze(-1).expand_as",
         [T(SPECIAL[:8], (4, 2)), var], lambda g, v: g.sum(-1))
    case("ALIGN_VARIANCE_BACKWARD", "empty", "alignVarianceBackward", "autograd of var.unsqueeze(-1).expand_as",
         [E(0, 2), E(0)], lambda g, v: g.sum(-1))

    # ---------------------------------------------------------------- primitives with PyTorch's own backward
    probs = [0.0, -0.0, 0.5, 1.0, 0.25, 1.0, 0.0]
    x = T([p for p in probs for _ in PAIR])
    t = T([v for _ in probs for v in PAIR])

    def bce(x, t):
        return F.binary_cross_entropy(x, t, reduction="none")

    case("BINARY_CROSS_ENTROPY", "special_target", "binaryCrossEntropy", "F.binary_cross_entropy", [x, t], bce)
    case("BINARY_CROSS_ENTROPY", "empty", "binaryCrossEntropy", "F.binary_cross_entropy", [E(0, 3), E(0, 3)], bce)
    case("BCE_GRAD_INPUT", "special_target", "binaryCrossEntropyGradInput", "autograd of F.binary_cross_entropy", [x, t],
         grad_of(bce, [0], autograd_ones(bce)))
    case("BCE_GRAD_INPUT", "empty", "binaryCrossEntropyGradInput", "autograd of F.binary_cross_entropy", [E(0, 3), E(0, 3)],
         grad_of(bce, [0], autograd_ones(bce)))
    case("BCE_GRAD_TARGET", "special_target", "binaryCrossEntropyGradTarget", "autograd of F.binary_cross_entropy", [x, t],
         grad_of(bce, [1], autograd_ones(bce)))
    case("BCE_GRAD_TARGET", "empty", "binaryCrossEntropyGradTarget", "autograd of F.binary_cross_entropy", [E(0, 3), E(0, 3)],
         grad_of(bce, [1], autograd_ones(bce)))
    a, b = pairs()
    for beta in (1.0, 0.0):
        def sl1(x, t, beta):
            return F.smooth_l1_loss(x, t, reduction="none", beta=beta)

        def hub(x, t, delta):
            return F.huber_loss(x, t, reduction="none", delta=delta)

        if beta > 0:
            case("HUBER", "pairs", "huber", "F.huber_loss", [a, b, D(beta)], hub)
            case("HUBER", "empty", "huber", "F.huber_loss", [E(0, 3), E(0, 3), D(beta)], hub)
            case("HUBER_GRAD_INPUT", "pairs", "huberGradInput", "autograd of F.huber_loss", [a, b, D(beta)],
                 grad_of(hub, [0], autograd_ones(hub)))
            case("HUBER_GRAD_INPUT", "empty", "huberGradInput", "autograd of F.huber_loss", [E(0, 3), E(0, 3), D(beta)],
                 grad_of(hub, [0], autograd_ones(hub)))
        suffix = "beta_%s" % num(beta)
        case("SMOOTH_L1", "pairs_" + suffix, "smoothL1", "F.smooth_l1_loss", [a, b, D(beta)], sl1)
        case("SMOOTH_L1_GRAD_INPUT", "pairs_" + suffix, "smoothL1GradInput", "autograd of F.smooth_l1_loss", [a, b, D(beta)],
             grad_of(sl1, [0], autograd_ones(sl1)))
    case("SMOOTH_L1", "empty", "smoothL1", "F.smooth_l1_loss", [E(0, 3), E(0, 3), D(1.0)],
         lambda x, t, beta: F.smooth_l1_loss(x, t, reduction="none", beta=beta))
    case("SMOOTH_L1_GRAD_INPUT", "empty", "smoothL1GradInput", "autograd of F.smooth_l1_loss", [E(0, 3), E(0, 3), D(1.0)],
         lambda x, t, beta: torch.zeros_like(x))

    # CTC: log probabilities (T=3, N=2, C=3) with a NaN in sample 0 and a -inf (an impossible symbol) in sample 1
    lp = torch.log_softmax(torch.tensor([[[1.0, 2.0, 0.5], [0.1, 0.2, 0.3]]] * 3, dtype=F64), 2)
    lp[1, 0, 1] = NAN
    lp[:, 1, 2] = -INF
    ctc_args = [Arg("tensor", lp), IX([[1, 2], [1, 2]]), IX([3, 3]), IX([2, 2]), L(0)]

    def ctc(lp, targets, il, tl, blank, zero_inf):
        return F.ctc_loss(lp, targets, il, tl, blank=blank, reduction="none", zero_infinity=zero_inf)

    for zi in (False, True):
        case("CTC", "special_zero_infinity_%s" % zi, "ctc", "F.ctc_loss", ctc_args + [B(zi)], ctc)
        g2 = T([1.0, 0.5])
        case("CTC_BACKWARD", "special_zero_infinity_%s" % zi, "ctcBackward", "autograd of F.ctc_loss", [g2] + ctc_args + [B(zi)],
             lambda g, *rest: grad_of(lambda x: ctc(x, *rest[1:]), [0], lambda out: g)(rest[0]))
    empty_ctc = [Arg("tensor", torch.zeros(3, 0, 3, dtype=F64)), IX([], (0, 2)), IX([], (0,)), IX([], (0,)), L(0), B(False)]
    case("CTC", "empty", "ctc", "F.ctc_loss", empty_ctc, lambda lp, *rest: torch.zeros(0, dtype=lp.dtype))
    case("CTC_BACKWARD", "empty", "ctcBackward", "autograd of F.ctc_loss", [E(0)] + empty_ctc,
         lambda g, lp, *rest: torch.zeros_like(lp))

    mlm_in = T([NAN, 1.0, 0.0, INF, 1.0, 0.0, -INF, 1.0, 0.0, 1.0, -0.0, 0.5], (4, 3))
    mlm_t = IX([[0, -1, 0], [1, -1, 0], [2, 0, -1], [1, -1, 0]])

    def mlm(x, t):
        return F.multilabel_margin_loss(x, t, reduction="none")

    case("MULTILABEL_MARGIN", "special", "multiLabelMargin", "F.multilabel_margin_loss", [mlm_in, mlm_t], mlm)
    case("MULTILABEL_MARGIN", "empty", "multiLabelMargin", "F.multilabel_margin_loss", [E(0, 3), IX([], (0, 3))], mlm)
    case("MULTILABEL_MARGIN_BACKWARD", "special", "multiLabelMarginBackward", "autograd of F.multilabel_margin_loss",
         [T([1.0, 0.5, 2.0, -1.0]), mlm_in, mlm_t], lambda g, x, t: grad_of(mlm, [0], lambda out: g)(x, t))
    case("MULTILABEL_MARGIN_BACKWARD", "empty", "multiLabelMarginBackward", "autograd of F.multilabel_margin_loss",
         [E(0), E(0, 3), IX([], (0, 3))], lambda g, x, t: torch.zeros_like(x))


def main():
    build()
    doc = {"torch_version": torch.__version__, "generator": "tools/golden/gen_op_goldens.py", "ops": OPS}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, allow_nan=False, indent=None, separators=(",", ":"))
        f.write("\n")
    print("%d ops, %d cases -> %s" % (len(OPS), sum(len(c) for c in OPS.values()), os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()

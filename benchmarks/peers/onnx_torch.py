"""Runs an ONNX graph with PyTorch eager operations, so that PyTorch times exactly the model Lowbit exported.

  model = OnnxTorchModel("model.onnx")     # needs the onnx package (python3-onnx) to read the file
  logits = model(torch.rand(1, 3, 32, 32))

The operator set is what `lowbit export --format onnx --qdq false` writes for float graphs (opset 17): Conv,
BatchNormalization, Gemm, MatMul, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Pad, Slice,
Concat, Add, Sub, Mul, Div, Neg, Abs, Sign, Round, Cast, Equal, GreaterOrEqual, Where, ReduceMean, Identity. Any other
operator is an error naming it. Each node becomes one PyTorch call with its attributes resolved once, as a
hand-written module would make them; initializers become tensors once.
"""
import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F

_DTYPES = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 11: torch.float64}


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _same_pads(pads):
    """ONNX pads [begin..., end...] -> (symmetric pads per axis) or None when asymmetric."""
    half = len(pads) // 2
    begin, end = pads[:half], pads[half:]
    return tuple(begin) if list(begin) == list(end) else None


def _torch_pad(pads):
    """ONNX pads over all axes [b0, b1, .., e0, e1, ..] -> F.pad order (last axis first)."""
    half = len(pads) // 2
    out = []
    for axis in reversed(range(half)):
        out += [pads[axis], pads[half + axis]]
    return out


def _conv(a, const):
    stride, group = a.get("strides", [1, 1]), a.get("group", 1)
    dilation = a.get("dilations", [1, 1])
    pads = a.get("pads", [0, 0, 0, 0])
    same = _same_pads(pads)

    def run(x, w, b=None):
        if same is None:
            return F.conv2d(F.pad(x, _torch_pad(pads)), w, b, stride, 0, dilation, group)
        return F.conv2d(x, w, b, stride, same, dilation, group)
    return run


def _pool(kind, a):
    kernel, stride = a["kernel_shape"], a.get("strides", [1, 1])
    pads = _same_pads(a.get("pads", [0, 0, 0, 0]))
    if pads is None:
        raise NotImplementedError(f"{kind} with asymmetric pads")
    if kind == "MaxPool":
        return lambda x: F.max_pool2d(x, kernel, stride, pads)
    return lambda x: F.avg_pool2d(x, kernel, stride, pads, count_include_pad=bool(a.get("count_include_pad", 0)))


def _gemm(a):
    alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
    ta, tb = a.get("transA", 0), a.get("transB", 0)

    def run(x, w, c=None):
        x = x.t() if ta else x
        if tb and alpha == 1.0 and beta == 1.0:
            return F.linear(x, w, c)
        y = alpha * (x @ (w.t() if tb else w))
        return y if c is None else y + beta * c
    return run


def _pad(a):
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode != "constant":
        raise NotImplementedError(f"Pad mode {mode}")

    def run(x, pads, value=None, axes=None):
        if axes is not None:
            raise NotImplementedError("Pad with axes")
        v = 0.0 if value is None else float(value.reshape(-1)[0])
        return F.pad(x, _torch_pad([int(p) for p in pads.tolist()]), value=v)
    return run


def _slice(x, starts, ends, axes=None, steps=None):
    starts, ends = starts.tolist(), ends.tolist()
    axes = list(range(len(starts))) if axes is None else axes.tolist()
    steps = [1] * len(starts) if steps is None else steps.tolist()
    index = [slice(None)] * x.dim()
    for s, e, ax, st in zip(starts, ends, axes, steps):
        index[ax % x.dim()] = slice(s, min(e, x.shape[ax]) if e >= 0 else e, st)
    return x[tuple(index)]


def _reduce_mean(a):
    keep = bool(a.get("keepdims", 1))

    def run(x, axes=None):
        dims = a.get("axes") if axes is None else axes.tolist()
        return x.mean(dim=tuple(dims), keepdim=keep) if dims else x.mean()
    return run


def _flatten(a):
    axis = a.get("axis", 1)
    return lambda x: x.reshape(int(np.prod(x.shape[:axis])), -1)


def _cast(a):
    dtype = _DTYPES.get(a["to"])
    if dtype is None:
        raise NotImplementedError(f"Cast to ONNX type {a['to']}")
    return lambda x: x.to(dtype)


def _bn(a):
    eps = a.get("epsilon", 1e-5)
    return lambda x, s, b, m, v: F.batch_norm(x, m, v, s, b, False, 0.0, eps)


def _clip(x, lo=None, hi=None):
    return torch.clamp(x, None if lo is None else lo.item(), None if hi is None else hi.item())


_SIMPLE = {
    "Relu": lambda a: torch.relu,
    "Add": lambda a: torch.add,
    "Sub": lambda a: torch.sub,
    "Mul": lambda a: torch.mul,
    "Div": lambda a: torch.div,
    "Neg": lambda a: torch.neg,
    "Abs": lambda a: torch.abs,
    "Sign": lambda a: torch.sign,
    "Round": lambda a: torch.round,  # half to even, as ONNX Round
    "Equal": lambda a: torch.eq,
    "GreaterOrEqual": lambda a: torch.ge,
    "Where": lambda a: torch.where,
    "Identity": lambda a: (lambda x: x),
    "MatMul": lambda a: torch.matmul,
    "Clip": lambda a: _clip,
    "Slice": lambda a: _slice,
    "GlobalAveragePool": lambda a: (lambda x: x.mean(dim=(2, 3), keepdim=True)),
    "Reshape": lambda a: (lambda x, shape: x.reshape([int(s) for s in shape.tolist()])),
    "Concat": lambda a: (lambda *xs: torch.cat(xs, dim=a["axis"])),
    "Conv": lambda a: _conv(a, None),
    "MaxPool": lambda a: _pool("MaxPool", a),
    "AveragePool": lambda a: _pool("AveragePool", a),
    "Gemm": _gemm,
    "Pad": _pad,
    "ReduceMean": _reduce_mean,
    "Flatten": _flatten,
    "Cast": _cast,
    "BatchNormalization": _bn,
}


class OnnxTorchModel:
    """The graph of an ONNX file as a list of PyTorch calls; call it with the input tensor."""

    def __init__(self, path):
        model = onnx.load(path)
        graph = model.graph
        self.consts = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy()) for t in graph.initializer}
        first = next(i for i in graph.input if i.name not in self.consts)
        self.input = first.name
        #: Per-example input shape (the graph's input dimensions after the batch dimension).
        self.input_shape = tuple(d.dim_value for d in first.type.tensor_type.shape.dim[1:])
        self.output = graph.output[0].name
        self.steps = []
        for node in graph.node:
            if node.op_type == "Constant":
                self.consts[node.output[0]] = torch.from_numpy(onnx.numpy_helper.to_array(node.attribute[0].t).copy())
                continue
            make = _SIMPLE.get(node.op_type)
            if make is None:
                raise NotImplementedError(f"{path}: ONNX operator {node.op_type} (node {node.name}) has no PyTorch form here")
            self.steps.append((make(_attrs(node)), list(node.input), node.output[0]))

    def __call__(self, x):
        values = dict(self.consts)
        values[self.input] = x
        for fn, inputs, output in self.steps:
            values[output] = fn(*[values[i] if i else None for i in inputs])
        return values[self.output]

    def eval(self):
        return self

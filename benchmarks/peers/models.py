"""Reference PyTorch models for the Lowbit side-by-side benchmarks.

Models (all take MNIST-shaped input, batch-first):
  mlp-float   784-1024-1024-1024-10, (Linear -> BatchNorm1d -> ReLU) x3, Linear -> BatchNorm1d; CE loss.
  mlp-binary  BinaryNet MLP (Courbariaux et al. 2016): binary weights sign(W) and binary activations
              sign(x), both with the clipped straight-through estimator; Linear(no bias) ->
              BatchNorm1d(eps=1e-4, momentum=0.1) -> sign; output Linear -> BatchNorm1d;
              squared hinge loss on +-1 one-hot targets.
  cnn-float   conv3x3(32,pad1) -> BN -> ReLU -> maxpool2 -> conv3x3(64,pad1) -> BN -> ReLU -> maxpool2
              -> fc 256 -> BN -> ReLU -> fc 10 -> BN; CE loss.
  cnn-binary  same shapes, BinaryNet style blocks: Conv -> MaxPool -> BN -> sign, first conv takes the
              real input with binary weights; fc 256 (binary) -> BN -> sign; fc 10 (binary) -> BN;
              squared hinge loss.

Float layers use PyTorch defaults (Linear/Conv2d with bias, BatchNorm eps=1e-5, momentum=0.1).
Binary layers have no bias (the following BatchNorm has the shift).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

MODEL_NAMES = ("mlp-float", "mlp-binary", "cnn-float", "cnn-binary")


class SignSTE(torch.autograd.Function):
    """sign(x) with sign(0) = +1 forward; clipped straight-through estimator backward:
    dL/dx = dL/dy * 1{|x| <= 1}. Used for both weights and activations."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * (x.abs() <= 1).to(grad_out.dtype)


def binarize(x):
    return SignSTE.apply(x)


class BinaryLinear(nn.Linear):
    """Linear layer with binary weights sign(W) (latent real W kept for the optimizer), no bias.
    The input is used as given: real for the first layer, already +-1 for the others."""

    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features, bias=False)

    def forward(self, x):
        return F.linear(x, binarize(self.weight))


class BinaryConv2d(nn.Conv2d):
    """3x3 (or any) convolution with binary weights sign(W), no bias."""

    def __init__(self, in_ch, out_ch, kernel_size=3, padding=1):
        super().__init__(in_ch, out_ch, kernel_size, padding=padding, bias=False)

    def forward(self, x):
        return F.conv2d(x, binarize(self.weight), None, self.stride, self.padding)


class SignActivation(nn.Module):
    def forward(self, x):
        return binarize(x)


def _bn1d_binary(n):
    return nn.BatchNorm1d(n, eps=1e-4, momentum=0.1)


def _bn2d_binary(n):
    return nn.BatchNorm2d(n, eps=1e-4, momentum=0.1)


def mlp_float(hidden=1024, depth=3, n_in=784, n_out=10):
    layers = []
    prev = n_in
    for _ in range(depth):
        layers += [nn.Linear(prev, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True)]
        prev = hidden
    layers += [nn.Linear(prev, n_out), nn.BatchNorm1d(n_out)]
    return nn.Sequential(nn.Flatten(), *layers)


def mlp_binary(hidden=1024, depth=3, n_in=784, n_out=10):
    layers = []
    prev = n_in
    for _ in range(depth):
        # First iteration: real inputs in [-1,1], binary weights. Later: binary inputs and weights.
        layers += [BinaryLinear(prev, hidden), _bn1d_binary(hidden), SignActivation()]
        prev = hidden
    layers += [BinaryLinear(prev, n_out), _bn1d_binary(n_out)]
    return nn.Sequential(nn.Flatten(), *layers)


def cnn_float(n_out=10):
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 256), nn.BatchNorm1d(256), nn.ReLU(inplace=True),
        nn.Linear(256, n_out), nn.BatchNorm1d(n_out),
    )


def cnn_binary(n_out=10):
    return nn.Sequential(
        BinaryConv2d(1, 32), nn.MaxPool2d(2), _bn2d_binary(32), SignActivation(),
        BinaryConv2d(32, 64), nn.MaxPool2d(2), _bn2d_binary(64), SignActivation(),
        nn.Flatten(),
        BinaryLinear(64 * 7 * 7, 256), _bn1d_binary(256), SignActivation(),
        BinaryLinear(256, n_out), _bn1d_binary(n_out),
    )


def build(name):
    return {"mlp-float": mlp_float, "mlp-binary": mlp_binary,
            "cnn-float": cnn_float, "cnn-binary": cnn_binary}[name]()


def is_binary(name):
    return name.endswith("-binary")


def is_cnn(name):
    return name.startswith("cnn-")


def squared_hinge_loss(output, labels, n_classes=10):
    """Mean over batch and classes of max(0, 1 - t*y)^2 with t = +-1 one-hot targets."""
    t = F.one_hot(labels, n_classes).to(output.dtype) * 2 - 1
    return torch.clamp(1 - t * output, min=0).pow(2).mean()


def loss_fn(name):
    return squared_hinge_loss if is_binary(name) else F.cross_entropy


def clip_latent_weights(model):
    """BinaryNet: clip the latent real weights of binary layers to [-1, 1] after each step."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (BinaryLinear, BinaryConv2d)):
                m.weight.clamp_(-1.0, 1.0)


def make_optimizer(name, model, epochs):
    """Adam with per-epoch exponential lr decay.
    binary: 3e-3 -> 3e-7, float: 1e-3 -> 1e-5; lr(epoch e) = lr0 * (lr_end/lr0)^(e/epochs)
    (BinaryNet's schedule: the decay factor is applied after every epoch, so the last epoch runs at
    lr0 * decay^(epochs-1) and lr_end is reached after the last epoch)."""
    lr0, lr_end = (3e-3, 3e-7) if is_binary(name) else (1e-3, 1e-5)
    opt = torch.optim.Adam(model.parameters(), lr=lr0)
    decay = (lr_end / lr0) ** (1.0 / max(1, epochs))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=decay)
    return opt, sched, {"lr_start": lr0, "lr_end": lr_end, "decay_per_epoch": decay}

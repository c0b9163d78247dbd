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

CIFAR-10-shaped models (input [3, 32, 32]), the networks of Lowbit's zoo configs (configs/cifar10-*.json):
  vgg-small-float   VGG-small (BinaryNet's CIFAR-10 net 2x128C3-MP2-2x256C3-MP2-2x512C3-MP2-2x1024FC-10) at
                    width 1/4 (32, 32, 64, 64, 128, 128 filters, 256-unit FC) in BinaryNet block order: conv -> BN ->
                    ReLU, conv -> maxpool -> BN -> ReLU per pair; FC -> BN -> ReLU twice, FC -> BN; CE loss; SGD
                    momentum 0.9, weight decay 5e-4.
  vgg-small-binary  same widths, conv -> [maxpool ->] BN -> sign; the first conv takes the real input with binary
                    weights (zero padding), every later conv pads its +-1 input with +1 (Larq's pad_values) and has
                    binary weights and inputs, as have the FC layers; squared hinge loss; Adam.
  resnet20-float    ResNet-20 (He et al. 2016, CIFAR variant): conv3x3(16) -> BN -> ReLU, 3 stages of 3 basic
                    blocks (16, 32, 64 channels; conv-BN-ReLU-conv-BN + shortcut, ReLU), option-A shortcut where
                    the shape changes (subsample by 2, zero channels), global average pool, FC 10; CE loss; SGD
                    momentum 0.9, weight decay 1e-4.
  resnet20-binary   binary ResNet-20 as IR-Net / Bi-Real code writes it: real first conv -> BN -> hardtanh and real
                    last FC (after global average pool -> BN); every binary 3x3 conv has its own real shortcut:
                    x <- hardtanh(BN(conv_b(sign(x), pad +1)) + shortcut(x)), option-A shortcut where the shape
                    changes; sign STE for activations and weights; CE loss; Adam.

Float layers use PyTorch defaults (Linear/Conv2d with bias, BatchNorm eps=1e-5, momentum=0.1).
Binary layers have no bias (the following BatchNorm has the shift); convs followed by BN in the ResNets have no
bias either.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

MODEL_NAMES = ("mlp-float", "mlp-binary", "cnn-float", "cnn-binary",
               "vgg-small-float", "vgg-small-binary", "resnet20-float", "resnet20-binary")


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

    def __init__(self, in_ch, out_ch, kernel_size=3, padding=1, stride=1):
        super().__init__(in_ch, out_ch, kernel_size, stride=stride, padding=padding, bias=False)

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


VGG_WIDTHS = (128, 128, 256, 256, 512, 512)
VGG_FC = 1024


def vgg_small_float(width=0.25, n_out=10):
    layers, prev = [], 3
    for i, f in enumerate(VGG_WIDTHS):
        f = int(f * width)
        layers.append(nn.Conv2d(prev, f, 3, padding=1))
        if i % 2 == 1:
            layers.append(nn.MaxPool2d(2))
        layers += [nn.BatchNorm2d(f), nn.ReLU(inplace=True)]
        prev = f
    fc = int(VGG_FC * width)
    layers += [nn.Flatten(), nn.Linear(prev * 4 * 4, fc), nn.BatchNorm1d(fc), nn.ReLU(inplace=True),
               nn.Linear(fc, fc), nn.BatchNorm1d(fc), nn.ReLU(inplace=True),
               nn.Linear(fc, n_out), nn.BatchNorm1d(n_out)]
    return nn.Sequential(*layers)


def vgg_small_binary(width=0.25, n_out=10):
    layers, prev = [], 3
    for i, f in enumerate(VGG_WIDTHS):
        f = int(f * width)
        layers.append(BinaryConv2d(prev, f) if i == 0 else PlusOnePadBinaryConv2d(prev, f))
        if i % 2 == 1:
            layers.append(nn.MaxPool2d(2))
        layers += [_bn2d_binary(f), SignActivation()]
        prev = f
    fc = int(VGG_FC * width)
    layers += [nn.Flatten(), BinaryLinear(prev * 4 * 4, fc), _bn1d_binary(fc), SignActivation(),
               BinaryLinear(fc, fc), _bn1d_binary(fc), SignActivation(),
               BinaryLinear(fc, n_out), _bn1d_binary(n_out)]
    return nn.Sequential(*layers)


class PlusOnePadBinaryConv2d(BinaryConv2d):
    """3x3 binary conv whose +-1 input is padded with +1 (so it stays binary), then convolved without padding."""

    def __init__(self, in_ch, out_ch, stride=1):
        super().__init__(in_ch, out_ch, padding=0, stride=stride)

    def forward(self, x):
        return F.conv2d(F.pad(x, (1, 1, 1, 1), value=1.0), binarize(self.weight), None, self.stride, 0)


def option_a_shortcut(x, cout):
    """He et al. option A: subsample by 2 and append zero channels."""
    extra = cout - x.shape[1]
    return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, extra // 2, extra - extra // 2))


class FloatBlock(nn.Module):
    """He et al. basic block: conv-BN-ReLU-conv-BN + shortcut, ReLU; option-A shortcut when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.cout, self.downsample = cout, stride != 1 or cin != cout

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (option_a_shortcut(x, self.cout) if self.downsample else x))


class BinaryBlock(nn.Module):
    """Two binary 3x3 convs (inputs padded with +1), each with its own real shortcut and a hardtanh after the sum:
    x <- hardtanh(BN(conv_b(sign(x))) + shortcut(x)); option-A shortcut when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = PlusOnePadBinaryConv2d(cin, cout, stride=stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = PlusOnePadBinaryConv2d(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.cout, self.downsample = cout, stride != 1 or cin != cout

    def forward(self, x):
        shortcut = option_a_shortcut(x, self.cout) if self.downsample else x
        out = F.hardtanh(self.bn1(self.conv1(binarize(x))) + shortcut)
        return F.hardtanh(self.bn2(self.conv2(binarize(out))) + out)


class ResNet20(nn.Module):
    def __init__(self, block, n_out=10):
        super().__init__()
        self.binary = block is BinaryBlock
        self.conv = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        blocks, prev = [], 16
        for stage, width in enumerate((16, 32, 64)):
            for i in range(3):
                blocks.append(block(prev, width, 2 if stage > 0 and i == 0 else 1))
                prev = width
        self.blocks = nn.Sequential(*blocks)
        self.head_bn = nn.BatchNorm1d(64) if self.binary else nn.Identity()
        self.fc = nn.Linear(64, n_out)

    def forward(self, x):
        x = self.bn(self.conv(x))
        x = self.blocks(F.hardtanh(x) if self.binary else F.relu(x))
        return self.fc(self.head_bn(F.adaptive_avg_pool2d(x, 1).flatten(1)))


def build(name):
    return {"mlp-float": mlp_float, "mlp-binary": mlp_binary,
            "cnn-float": cnn_float, "cnn-binary": cnn_binary,
            "vgg-small-float": vgg_small_float, "vgg-small-binary": vgg_small_binary,
            "resnet20-float": lambda: ResNet20(FloatBlock), "resnet20-binary": lambda: ResNet20(BinaryBlock)}[name]()


def is_binary(name):
    return name.endswith("-binary")


def is_cnn(name):
    return name.startswith("cnn-")


def input_shape(name):
    """Per-example input shape: CIFAR-10 [3, 32, 32], MNIST [1, 28, 28] (CNNs) or [784] (MLPs)."""
    if name.startswith(("vgg-", "resnet")):
        return (3, 32, 32)
    return (1, 28, 28) if is_cnn(name) else (784,)


def squared_hinge_loss(output, labels, n_classes=10):
    """Mean over batch and classes of max(0, 1 - t*y)^2 with t = +-1 one-hot targets."""
    t = F.one_hot(labels, n_classes).to(output.dtype) * 2 - 1
    return torch.clamp(1 - t * output, min=0).pow(2).mean()


def loss_fn(name):
    """BinaryNet models (MLP, small CNN, VGG-small) train with squared hinge; the ResNets with cross-entropy."""
    return squared_hinge_loss if is_binary(name) and not name.startswith("resnet") else F.cross_entropy


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
    if name in ("resnet20-float", "vgg-small-float"):  # the zoo's float recipes: SGD with momentum and weight decay
        lr0, lr_end = (0.1, 1e-4) if name == "resnet20-float" else (0.05, 5e-4)
        decay = 1e-4 if name == "resnet20-float" else 5e-4
        opt = torch.optim.SGD(model.parameters(), lr=lr0, momentum=0.9, weight_decay=decay)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=lr0)
    decay = (lr_end / lr0) ** (1.0 / max(1, epochs))
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=decay)
    return opt, sched, {"lr_start": lr0, "lr_end": lr_end, "decay_per_epoch": decay}

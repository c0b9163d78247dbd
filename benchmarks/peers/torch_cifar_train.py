#!/usr/bin/env python3
"""Trains a benchmarks/peers CIFAR-10 model in PyTorch with the zoo's recipe, to compare learning curves with Lowbit.

Data as the zoo configs take it: the training batches present in --data (the last 5,000 images held out for
validation), per-channel standardisation, 4-pixel zero-pad random crops and horizontal flips (one crop offset and one
flip per batch here, a simplification), batch 128, Adam lr 1e-3 (constant: the first epochs of a cosine schedule),
cross-entropy, latent weights of binary layers clipped to [-1, 1] after each step, He-uniform initialisation.
Prints the mean training loss and the validation and test accuracy after every epoch.

  /usr/bin/python3 benchmarks/peers/torch_cifar_train.py --model resnet20-binary --epochs 1 --data ../shared/data/cifar10
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import models

MEAN = np.array([0.4914, 0.4822, 0.4465], np.float32).reshape(1, 3, 1, 1)
STD = np.array([0.247, 0.2435, 0.2616], np.float32).reshape(1, 3, 1, 1)


def load_batch(path):
    raw = np.frombuffer(gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read(), np.uint8)
    rows = raw.reshape(-1, 3073)
    return rows[:, 1:].reshape(-1, 3, 32, 32), rows[:, 0].astype(np.int64)


def find(data, name):
    for candidate in (name, name + ".gz"):
        if os.path.exists(os.path.join(data, candidate)):
            return os.path.join(data, candidate)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="resnet20-binary", choices=[m for m in models.MODEL_NAMES if m.startswith(("vgg-", "resnet"))])
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--validation", type=int, default=5000)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    paths = [p for p in (find(args.data, f"data_batch_{i}.bin") for i in range(1, 6)) if p]
    test_path = find(args.data, "test_batch.bin")
    if not paths or not test_path:
        raise SystemExit(f"{args.data}: no data_batch_k.bin(.gz) or test_batch.bin(.gz) (the CIFAR-10 binary version)")
    parts = [load_batch(p) for p in paths]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    xt, yt = load_batch(test_path)

    def norm(a):
        return torch.from_numpy((a.astype(np.float32) / 255 - MEAN) / STD)

    n_train = len(x) - args.validation
    xtr, ytr = norm(x[:n_train]), torch.from_numpy(y[:n_train])
    xva, yva = norm(x[n_train:]), torch.from_numpy(y[n_train:])
    xte, yte = norm(xt), torch.from_numpy(yt)
    model = models.build(args.model)
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_uniform_(module.weight, nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    binary = [m for m in model.modules() if isinstance(m, (models.BinaryConv2d, models.BinaryLinear))]

    def accuracy(xs, ys):
        model.eval()
        correct = 0
        with torch.no_grad():
            for i in range(0, len(xs), 500):
                correct += (model(xs[i:i + 500]).argmax(1) == ys[i:i + 500]).sum().item()
        model.train()
        return correct / len(xs)

    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(n_train)
        total, steps, start = 0.0, 0, time.time()
        for i in range(0, n_train - 127, 128):
            idx = perm[i:i + 128]
            xb = F.pad(xtr[idx], (4, 4, 4, 4))
            ox, oy = np.random.randint(0, 9, 2)
            xb = xb[:, :, oy:oy + 32, ox:ox + 32]
            if np.random.rand() < 0.5:
                xb = xb.flip(3)
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                for m in binary:
                    m.weight.clamp_(-1, 1)
            total += loss.item()
            steps += 1
        print(f"epoch {epoch} loss {total / steps:.4f} val {accuracy(xva, yva):.4f} test {accuracy(xte, yte):.4f} "
              f"time {time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()

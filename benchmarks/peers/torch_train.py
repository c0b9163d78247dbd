"""PyTorch training peer: throughput on random data of the model's input shape (MNIST or CIFAR-10), or reference
accuracy on MNIST (MNIST models only).

Throughput (prints one JSON line):
  /usr/bin/python3 benchmarks/peers/torch_train.py --model mlp-float --threads 2 --steps 50
  -> warm-up steps, then --windows windows of --steps training steps each (batch 100, random inputs and
     labels); images/s per window = steps*batch/seconds; reports the median (and min/max) window.
     A training step = zero_grad + forward + loss + backward + Adam step (+ latent weight clip for binary).
     "other_cpu_load" = CPU cores used by other processes on average during the timed windows (0 = clean run).

Accuracy (prints one JSON line per epoch to stderr and a final JSON line to stdout):
  /usr/bin/python3 benchmarks/peers/torch_train.py --model mlp-binary --accuracy --epochs 10 --seed 1 --threads 2
  -> MNIST from data/mnist/*.gz: first 50,000 training images train, last 10,000 validate, the 10,000 test
     images test. Inputs: binary models x/255*2-1 in [-1,1]; float models x/255 in [0,1].
     Batch 100, training set reshuffled every epoch (numpy RandomState(seed)); torch.manual_seed(seed).
     Reports the test error at the epoch with the lowest validation error (first one on ties).
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpuload  # noqa: E402
import models  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BATCH = 100


def read_idx(path):
    """Read a gzipped IDX file (MNIST format) into a numpy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = data[0] * 256 + data[1], data[2], data[3]
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load_mnist(data_dir, binary, cnn):
    tr_x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
    tr_y = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))
    te_x = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))
    te_y = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"))

    def prep(x):
        x = x.astype(np.float32) / 255.0
        if binary:
            x = x * 2.0 - 1.0
        x = x.reshape(len(x), 1, 28, 28) if cnn else x.reshape(len(x), 784)
        return torch.from_numpy(np.ascontiguousarray(x))

    def lab(y):
        return torch.from_numpy(y.astype(np.int64))

    return {
        "train": (prep(tr_x[:50000]), lab(tr_y[:50000])),
        "valid": (prep(tr_x[50000:]), lab(tr_y[50000:])),
        "test": (prep(te_x), lab(te_y)),
    }


def train_step(model, opt, loss_fn, binary, x, y):
    opt.zero_grad(set_to_none=True)
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    opt.step()
    if binary:
        models.clip_latent_weights(model)
    return loss


def error_rate(model, x, y):
    model.eval()
    wrong = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            pred = model(x[i:i + 1000]).argmax(dim=1)
            wrong += int((pred != y[i:i + 1000]).sum())
    model.train()
    return wrong / len(x)


def run_throughput(args):
    torch.manual_seed(args.seed)
    model = models.build(args.model)
    model.train()
    binary = models.is_binary(args.model)
    opt, _, _ = models.make_optimizer(args.model, model, epochs=1)
    loss_fn = models.loss_fn(args.model)
    shape = (BATCH, *models.input_shape(args.model))
    # A few distinct random batches so the run is not a single cached input.
    xs = [torch.rand(shape) * 2 - 1 for _ in range(4)]
    ys = [torch.randint(0, 10, (BATCH,)) for _ in range(4)]
    for i in range(args.warmup):
        train_step(model, opt, loss_fn, binary, xs[i % 4], ys[i % 4])
    waited = cpuload.wait_idle(timeout_seconds=args.wait_idle)
    rates = []
    with cpuload.OtherLoad() as other:
        for _ in range(args.windows):
            t0 = time.perf_counter()
            for i in range(args.steps):
                train_step(model, opt, loss_fn, binary, xs[i % 4], ys[i % 4])
            dt = time.perf_counter() - t0
            rates.append(args.steps * BATCH / dt)
    result = {
        "peer": "pytorch",
        "torch": torch.__version__,
        "model": args.model,
        "mode": "train-throughput",
        "threads": torch.get_num_threads(),
        "batch": BATCH,
        "steps_per_window": args.steps,
        "windows": args.windows,
        "warmup_steps": args.warmup,
        "images_per_second": round(statistics.median(rates), 1),
        "images_per_second_min": round(min(rates), 1),
        "images_per_second_max": round(max(rates), 1),
        "ms_per_step": round(1000.0 * BATCH / statistics.median(rates), 3),
        "loadavg_1min": round(os.getloadavg()[0], 2),
        "other_cpu_load": other.value,
        "waited_for_idle_s": waited,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
    }
    print(json.dumps(result), flush=True)


def run_accuracy(args):
    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    binary = models.is_binary(args.model)
    data = load_mnist(args.data, binary, models.is_cnn(args.model))
    model = models.build(args.model)
    model.train()
    opt, sched, lr_info = models.make_optimizer(args.model, model, args.epochs)
    loss_fn = models.loss_fn(args.model)
    tr_x, tr_y = data["train"]
    n = len(tr_x)
    best = None
    history = []
    t_start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.from_numpy(rng.permutation(n))
        lr = opt.param_groups[0]["lr"]
        total = 0.0
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            total += float(train_step(model, opt, loss_fn, binary, tr_x[idx], tr_y[idx]).detach())
        sched.step()
        val_err = error_rate(model, *data["valid"])
        test_err = error_rate(model, *data["test"])
        rec = {"epoch": epoch, "lr": lr, "train_loss": round(total / (n // BATCH), 5),
               "valid_error": val_err, "test_error": test_err,
               "epoch_seconds": round(time.perf_counter() - t0, 2)}
        history.append(rec)
        print(json.dumps(rec), file=sys.stderr, flush=True)
        if best is None or val_err < best["valid_error"]:
            best = rec
    result = {
        "peer": "pytorch",
        "torch": torch.__version__,
        "model": args.model,
        "mode": "accuracy",
        "threads": torch.get_num_threads(),
        "epochs": args.epochs,
        "seed": args.seed,
        "batch": BATCH,
        "optimizer": "Adam",
        **lr_info,
        "input_range": "[-1,1]" if binary else "[0,1]",
        "split": "train 50000 / valid 10000 (last) / test 10000",
        "best_epoch": best["epoch"],
        "best_valid_error": best["valid_error"],
        "test_error_at_best_valid": best["test_error"],
        "final_test_error": history[-1]["test_error"],
        "total_seconds": round(time.perf_counter() - t_start, 1),
    }
    print(json.dumps(result), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=models.MODEL_NAMES)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=50, help="training steps per timed window")
    p.add_argument("--windows", type=int, default=5, help="timed windows (median reported)")
    p.add_argument("--warmup", type=int, default=10, help="untimed warm-up steps")
    p.add_argument("--wait-idle", type=float, default=0.0,
                   help="wait up to this many seconds for the rest of the machine to go idle before timing")
    p.add_argument("--accuracy", action="store_true", help="train on real MNIST and report test error")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", default=os.path.join(REPO, "data", "mnist"))
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.accuracy:
        if len(models.input_shape(args.model)) == 3 and models.input_shape(args.model)[0] != 1:
            p.error(f"--accuracy reads MNIST; {args.model} takes CIFAR-10-shaped input")
        run_accuracy(args)
    else:
        run_throughput(args)


if __name__ == "__main__":
    main()

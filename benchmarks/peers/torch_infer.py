"""PyTorch inference peer: latency of a float model, the MLP of models.py or any model Lowbit exported to ONNX.

  /usr/bin/python3 benchmarks/peers/torch_infer.py --threads 1 2 --batches 1 100
  /usr/bin/python3 benchmarks/peers/torch_infer.py --onnx model.onnx --check-inputs images.f32 --threads 1 2 --batches 1 100

Without --onnx: the float MLP 784-1024-1024-1024-10 with eval-mode BatchNorm (models.mlp_float). With --onnx FILE: the
graph in FILE run op by op with PyTorch eager calls (onnx_torch.py; `lowbit bench infer --peer` writes the float32
graph of the model it benchmarks, the one ONNX Runtime runs). For every (threads, batch) pair prints one JSON line
with the median milliseconds per batch and per image over --reps timed forward passes (each pass timed separately)
after --warmup untimed passes, under torch.inference_mode(). Input: random uniform [0,1) of the model's input shape.
--check-inputs FILE (raw little-endian float32 images of the input shape): also prints {"check": "classes",
"classes": [...]}, the arg-max of the model's output for each image, so the caller can confirm PyTorch ran its model.
"other_cpu_load" = CPU cores used by other processes on average while timing (0 = clean run).
"""
import argparse
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


def measure(model, name, shape, batch, threads, reps, warmup, wait_idle, max_seconds):
    torch.set_num_threads(threads)
    x = torch.rand(batch, *shape)
    times = []
    with torch.inference_mode():
        begin = time.perf_counter()
        for i in range(warmup):
            model(x)
            if i >= 1 and time.perf_counter() - begin > max_seconds / 4:
                break
        waited = cpuload.wait_idle(timeout_seconds=wait_idle)
        with cpuload.OtherLoad() as other:
            start = time.perf_counter()
            for _ in range(reps):
                t0 = time.perf_counter()
                model(x)
                times.append(time.perf_counter() - t0)
                if len(times) >= 5 and t0 - start > max_seconds:
                    break
    med = statistics.median(times) * 1000.0
    return {
        "peer": "pytorch",
        "torch": torch.__version__,
        "model": name,
        "mode": "inference-latency",
        "threads": torch.get_num_threads(),
        "batch": batch,
        "reps": len(times),
        "ms_per_batch": round(med, 4),
        "ms_per_image": round(med / batch, 5),
        "ms_per_batch_p10": round(sorted(times)[len(times) // 10] * 1000.0, 4),
        "ms_per_batch_p90": round(sorted(times)[(len(times) * 9) // 10] * 1000.0, 4),
        "images_per_second": round(batch * 1000.0 / med, 1),
        "loadavg_1min": round(os.getloadavg()[0], 2),
        "other_cpu_load": other.value,
        "waited_for_idle_s": waited,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--batches", type=int, nargs="+", default=[1, 100])
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--max-seconds", type=float, default=20.0,
                   help="stop timing a setting after this many seconds (at least 5 passes), for large models")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--onnx", help="ONNX file to run instead of the float MLP (float32 graph, opset 17)")
    p.add_argument("--check-inputs", help="raw float32 images of the model's input shape: print their classes")
    p.add_argument("--wait-idle", type=float, default=0.0,
                   help="wait up to this many seconds for the rest of the machine to go idle before timing")
    args = p.parse_args()
    torch.manual_seed(args.seed)
    if args.onnx:
        import onnx_torch  # needs the onnx package only here
        model = onnx_torch.OnnxTorchModel(args.onnx)
        name, shape = os.path.basename(args.onnx), model.input_shape
    else:
        model = models.mlp_float()
        name, shape = "mlp-float", (784,)
        # Give BatchNorm non-trivial running statistics, then switch to inference mode.
        model.train()
        with torch.no_grad():
            for _ in range(5):
                model(torch.rand(100, 784))
        model.eval()
    if args.check_inputs:
        x = torch.from_numpy(np.fromfile(args.check_inputs, dtype="<f4").reshape(-1, *shape).copy())
        with torch.inference_mode():
            classes = model(x).argmax(dim=1).tolist()
        print(json.dumps({"peer": "pytorch", "check": "classes", "classes": classes}), flush=True)
    for t in args.threads:
        for b in args.batches:
            print(json.dumps(measure(model, name, shape, b, t, args.reps, args.warmup, args.wait_idle, args.max_seconds)), flush=True)


if __name__ == "__main__":
    main()

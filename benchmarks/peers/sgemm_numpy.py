#!/usr/bin/python3
"""Peer timing for the SGEMM ratio script: numpy float32 matmul (OpenBLAS sgemm) on Lowbit's shapes.

Prints the BLAS numpy really uses (threadpoolctl), then one line per case:
    numpy <transA> <transB> <m> <n> <k> <threads> <wall gflops> <cpu gflops>
best of 25 timed samples after 3 warm-up samples, each about 20 ms at 50 GFLOP/s; the same protocol as
benchmarks/Lowbit.Benchmarks/SgemmTiming.cs. Transposed operands are passed as transposed views of
C-contiguous arrays, so numpy hands BLAS a transpose flag (no copy). "cpu" divides by process CPU time
(time.process_time) instead of wall time, which is steadier on a shared machine; it is meaningful for 1 thread
only (OpenMP workers spin while waiting). Usage: sgemm_numpy.py [threads ...]
"""
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

SHAPES = [(1024, 1024, 1024), (100, 1024, 1024), (100, 1024, 784), (1024, 1024, 100), (100, 784, 1024), (64, 784, 288)]


def measure(a, b, c, flops):
    reps = max(1, int(20e-3 * 50e9 / flops))
    best_wall = best_cpu = float("inf")
    for sample in range(28):
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        cpu = (time.process_time() - cpu_start) / reps
        wall = (time.perf_counter() - start) / reps
        if sample >= 3:
            best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return flops / best_wall / 1e9, flops / best_cpu / 1e9


def main():
    thread_counts = [int(t) for t in sys.argv[1:]] or [1, 2]
    for info in threadpool_info():
        print(f"# {info.get('user_api')} {info.get('internal_api')} {info.get('version')} "
              f"{info.get('threading_layer', '')} {info.get('architecture', '')} {info.get('filepath')}", flush=True)
    rng = np.random.default_rng(42)
    for m, n, k in SHAPES:
        c = np.empty((m, n), dtype=np.float32)
        for threads in thread_counts:
            with threadpool_limits(limits=threads, user_api="blas"):
                for ta in (False, True):
                    for tb in (False, True):
                        a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
                        b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
                        wall, cpu = measure(a.T if ta else a, b.T if tb else b, c, 2.0 * m * n * k)
                        print(f"numpy {'T' if ta else 'N'} {'T' if tb else 'N'} {m} {n} {k} {threads} "
                              f"{wall:.1f} {cpu:.1f}", flush=True)


if __name__ == "__main__":
    main()

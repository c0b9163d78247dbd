"""Print which BLAS / threading runtime the PyTorch and numpy peers really use.

Usage: /usr/bin/python3 benchmarks/peers/blas_info.py
Prints human-readable info followed by one JSON summary line (prefixed with "BLAS_SUMMARY ").
"""
import ctypes
import json
import os

import numpy
import torch


def openblas_details():
    """Ask the loaded OpenBLAS for its core (kernel) name and build config."""
    out = {}
    try:
        import threadpoolctl
        # Trigger BLAS loading in both libraries before inspecting.
        a = torch.ones(64, 64)
        _ = a @ a
        _ = numpy.ones((64, 64)) @ numpy.ones((64, 64))
        info = threadpoolctl.threadpool_info()
        out["threadpoolctl"] = info
        for lib in info:
            if lib.get("internal_api") == "openblas":
                h = ctypes.CDLL(lib["filepath"])
                h.openblas_get_corename.restype = ctypes.c_char_p
                h.openblas_get_config.restype = ctypes.c_char_p
                out["openblas_corename"] = h.openblas_get_corename().decode()
                out["openblas_config"] = h.openblas_get_config().decode()
                out["openblas_path"] = lib["filepath"]
    except ImportError:
        out["threadpoolctl"] = "not installed"
    return out


def main():
    print("== torch", torch.__version__)
    print(torch.__config__.show())
    print(torch.__config__.parallel_info())
    print("== numpy", numpy.__version__)
    numpy.show_config()
    d = openblas_details()
    print("== threadpoolctl")
    print(json.dumps(d.get("threadpoolctl"), indent=1))
    env = {k: os.environ.get(k) for k in
           ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    summary = {
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "openblas_path": d.get("openblas_path"),
        "openblas_corename": d.get("openblas_corename"),
        "openblas_config": d.get("openblas_config"),
        "mkldnn_available": torch.backends.mkldnn.is_available(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability()
        if hasattr(torch.backends, "cpu") else None,
        "env": env,
    }
    print("BLAS_SUMMARY " + json.dumps(summary))


if __name__ == "__main__":
    main()

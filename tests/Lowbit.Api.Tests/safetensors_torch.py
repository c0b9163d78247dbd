"""Independent check of Lowbit's safetensors files with PyTorch (called by SafetensorsInteropTests).

Reads model.safetensors and input.safetensors with a parser written from the format's specification (8-byte
little-endian header length, JSON header, row-major little-endian data at data_offsets), loads the weights into the
torch.nn.Sequential that has the same modules as the C# network, runs it in evaluation mode on the input and writes
the logits to output.safetensors with a writer written from the same specification. Prints the keys load_state_dict
reported missing and unexpected, as JSON.
"""
import json
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F64": np.float64}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=np.dtype(DTYPES[entry["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(array.reshape(entry["shape"]).copy())
    return tensors, meta


def write(path, tensors):
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        array = tensors[name].detach().numpy().astype("<f4")
        raw = array.tobytes(order="C")
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def main(folder):
    weights, meta = read(f"{folder}/model.safetensors")
    config = json.loads(meta["lowbit.config"])
    hidden = config["layers"][1]["units"]
    model = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(784, hidden),
        torch.nn.BatchNorm1d(hidden, eps=config["layers"][2]["epsilon"]),
        torch.nn.ReLU(),
        torch.nn.Linear(hidden, 10),
    )
    result = model.load_state_dict(weights, strict=False)
    model.eval()
    inputs, _ = read(f"{folder}/input.safetensors")
    with torch.no_grad():
        logits = model(inputs["x"].float())
    write(f"{folder}/output.safetensors", {"logits": logits})
    print(json.dumps({"missing": sorted(result.missing_keys), "unexpected": sorted(result.unexpected_keys)}))


if __name__ == "__main__":
    main(sys.argv[1])

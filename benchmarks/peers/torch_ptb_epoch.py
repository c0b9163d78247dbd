"""PyTorch peer of one epoch of `lowbit train --config configs/ptb-lstm-float.json` on Penn Treebank.

  /usr/bin/python3 benchmarks/peers/torch_ptb_epoch.py --data /work/shared/data/ptb --threads 1
  -> one JSON line: wall and CPU seconds of the training epoch and of the evaluation, training, validation and test
     perplexity after the epoch.

The same recipe and data handling as Lowbit (docs/LANGUAGE-MODELS.md), written independently: vocabulary = the training
text's words in order of first appearance, each line followed by <eos>; batch 20 contiguous streams (stream b holds
tokens [b*L, (b+1)*L), L = tokens // 20), windows of 35 steps (the last one shorter), targets one step later, the state
carried across windows and detached; Embedding(V, 300) and decoder weights U(-0.1, 0.1), decoder bias 0, nn.LSTM(300,
300) with PyTorch's default initialisation, dropout 0.5 on the embedding and LSTM outputs; SGD at lr 20 (the first
epoch of the exponential schedule), gradients clipped at global norm 0.25; evaluation of validation and test with 10
streams from a zero state, as Lowbit evaluates after every epoch. Files may be gzipped (detected by content).
"""
import argparse
import gzip
import json
import math
import os
import time

import torch
from torch import nn


def read_lines(path):
    for name in (path, path + ".gz"):
        if os.path.exists(name):
            with open(name, "rb") as f:
                data = f.read()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            return data.decode("utf-8").split("\n")[:-1] if data.endswith(b"\n") else data.decode("utf-8").split("\n")
    raise FileNotFoundError(path)


def tokens(lines, vocab, grow):
    out = []
    for line in lines:
        for word in line.split() + ["<eos>"]:
            if word not in vocab:
                if not grow:
                    word = "<unk>"
                else:
                    vocab[word] = len(vocab)
            out.append(vocab[word])
    return out


def streams(ids, batch):
    length = len(ids) // batch
    return torch.tensor(ids[:length * batch], dtype=torch.long).view(batch, length).t().contiguous()  # [L, B]


class WordModel(nn.Module):
    def __init__(self, vocabulary, units):
        super().__init__()
        self.encoder = nn.Embedding(vocabulary, units)
        self.drop = nn.Dropout(0.5)
        self.rnn = nn.LSTM(units, units, 1)
        self.decoder = nn.Linear(units, vocabulary)
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def forward(self, x, state):
        out, state = self.rnn(self.drop(self.encoder(x)), state)
        return self.decoder(self.drop(out)).view(-1, self.decoder.out_features), state


def evaluate(model, data, bptt):
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for i in range(0, data.size(0) - 1, bptt):
            n = min(bptt, data.size(0) - 1 - i)
            logits, state = model(data[i:i + n], state)
            total += nn.functional.cross_entropy(logits, data[i + 1:i + 1 + n].reshape(-1), reduction="sum").item()
            count += logits.size(0)
    return math.exp(total / count)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--windows", type=int, default=0, help="stop after this many training windows (0: the whole epoch)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    vocab = {}
    train = tokens(read_lines(os.path.join(args.data, "ptb.train.txt")), vocab, grow=True)
    if "<unk>" not in vocab:
        vocab["<unk>"] = len(vocab)
    valid = tokens(read_lines(os.path.join(args.data, "ptb.valid.txt")), vocab, grow=False)
    test = tokens(read_lines(os.path.join(args.data, "ptb.test.txt")), vocab, grow=False)
    train_data, valid_data, test_data = streams(train, 20), streams(valid, 10), streams(test, 10)
    model = WordModel(len(vocab), 300)
    opt = torch.optim.SGD(model.parameters(), lr=20.0)
    bptt = 35

    model.train()
    state, total, count, windows = None, 0.0, 0, 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(0, train_data.size(0) - 1, bptt):
        n = min(bptt, train_data.size(0) - 1 - i)
        if state is not None:
            state = tuple(s.detach() for s in state)
        opt.zero_grad(set_to_none=True)
        logits, state = model(train_data[i:i + n], state)
        loss = nn.functional.cross_entropy(logits, train_data[i + 1:i + 1 + n].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()
        total += loss.item() * logits.size(0)
        count += logits.size(0)
        windows += 1
        if args.windows and windows >= args.windows:
            break
    train_wall, train_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    wall1, cpu1 = time.perf_counter(), time.process_time()
    valid_ppl = evaluate(model, valid_data, bptt)
    test_ppl = evaluate(model, test_data, bptt)
    eval_wall, eval_cpu = time.perf_counter() - wall1, time.process_time() - cpu1
    print(json.dumps({
        "peer": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "vocabulary": len(vocab),
        "train_tokens": len(train),
        "windows": windows,
        "train_wall_seconds": round(train_wall, 1),
        "train_cpu_seconds": round(train_cpu, 1),
        "cpu_ms_per_window": round(1000 * train_cpu / windows, 1),
        "eval_wall_seconds": round(eval_wall, 1),
        "eval_cpu_seconds": round(eval_cpu, 1),
        "train_perplexity": round(math.exp(total / count), 2),
        "val_perplexity": round(valid_ppl, 2),
        "test_perplexity": round(test_ppl, 2),
        "loadavg_1min": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()

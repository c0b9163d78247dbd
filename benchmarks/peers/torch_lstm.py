"""PyTorch peer of Lowbit's language-model training step (lowbit bench train --config configs/ptb-lstm-float.json).

  /usr/bin/python3 benchmarks/peers/torch_lstm.py --threads 2 --steps 10 --windows 5
  -> one JSON line: tokens/s of the median window of --steps training steps, and the process CPU time per step
     (all threads, including OpenMP workers' spin-waiting) over the timed windows.

Model (the same sizes as configs/ptb-lstm-float.json): Embedding(10000, 300) -> Dropout(0.5) -> nn.LSTM(300, 300)
-> Dropout(0.5) -> Linear(300, 10000); loss = mean softmax cross-entropy over the bptt x batch tokens; SGD lr 20;
gradients clipped at global norm 0.25 (torch.nn.utils.clip_grad_norm_). Batch 20 streams x bptt 35 steps of random
token ids, the hidden state carried from step to step and detached, as truncated BPTT does. A step = zero_grad +
forward + loss + backward + clip + SGD update. --part lstm times nn.LSTM alone (forward + backward of sum(output^2) on
random [bptt, batch, 300] inputs), for comparing the recurrent layer without the 10k-way softmax.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpuload  # noqa: E402


class WordModel(nn.Module):
    def __init__(self, vocabulary, units, layers, dropout):
        super().__init__()
        self.encoder = nn.Embedding(vocabulary, units)
        self.drop = nn.Dropout(dropout)
        self.rnn = nn.LSTM(units, units, layers)
        self.decoder = nn.Linear(units, vocabulary)

    def forward(self, x, state):
        out, state = self.rnn(self.drop(self.encoder(x)), state)
        return self.decoder(self.drop(out)).view(-1, self.decoder.out_features), state


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=10, help="training steps per timed window")
    p.add_argument("--windows", type=int, default=5, help="timed windows (median reported)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--vocabulary", type=int, default=10000)
    p.add_argument("--units", type=int, default=300)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--bptt", type=int, default=35)
    p.add_argument("--part", choices=["model", "lstm"], default="model")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--wait-idle", type=float, default=0.0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tokens = args.batch * args.bptt

    if args.part == "model":
        model = WordModel(args.vocabulary, args.units, args.layers, 0.5)
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=20.0)
        loss_fn = nn.CrossEntropyLoss()
        x = torch.randint(0, args.vocabulary, (args.bptt, args.batch))
        y = torch.randint(0, args.vocabulary, (tokens,))
        state = [None]

        def step():
            opt.zero_grad(set_to_none=True)
            if state[0] is not None:
                state[0] = tuple(s.detach() for s in state[0])
            logits, state[0] = model(x, state[0])
            loss = loss_fn(logits, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            opt.step()
    else:
        lstm = nn.LSTM(args.units, args.units, args.layers)
        x = torch.rand(args.bptt, args.batch, args.units) * 2 - 1

        def step():
            lstm.zero_grad(set_to_none=True)
            out, _ = lstm(x)
            (out * out).sum().backward()

    for _ in range(args.warmup):
        step()
    waited = cpuload.wait_idle(timeout_seconds=args.wait_idle)
    rates = []
    cpu_start = time.process_time()
    with cpuload.OtherLoad() as other:
        for _ in range(args.windows):
            t0 = time.perf_counter()
            for _ in range(args.steps):
                step()
            rates.append(args.steps * tokens / (time.perf_counter() - t0))
    cpu_ms_per_step = 1000.0 * (time.process_time() - cpu_start) / (args.windows * args.steps)
    median = statistics.median(rates)
    print(json.dumps({
        "peer": "pytorch",
        "torch": torch.__version__,
        "part": args.part,
        "mode": "lstm-train-throughput",
        "threads": torch.get_num_threads(),
        "vocabulary": args.vocabulary,
        "units": args.units,
        "layers": args.layers,
        "batch": args.batch,
        "bptt": args.bptt,
        "steps_per_window": args.steps,
        "windows": args.windows,
        "tokens_per_second": round(median, 1),
        "tokens_per_second_windows": [round(r, 1) for r in rates],
        "ms_per_step": round(1000.0 * tokens / median, 3),
        "cpu_ms_per_step": round(cpu_ms_per_step, 3),
        "loadavg_1min": round(os.getloadavg()[0], 2),
        "other_cpu_load": other.value,
        "waited_seconds": waited,
    }))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Tests of scripts/zoo_report.py on hand-made runs whose numbers are derived by hand below.

Run: python3 -m unittest discover -s scripts -p 'test_*.py'   (CI's command)
"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zoo_report as zr  # noqa: E402

HEADER = "epoch,learning_rate,train_loss,train_accuracy,val_loss,val_accuracy,test_accuracy,train_seconds,epoch_seconds\n"


def run(root, config, seed, acc, final, epoch_seconds, cpu=None, result=True):
    d = os.path.join(root, config, f"seed{seed}")
    os.makedirs(d)
    with open(os.path.join(d, "metrics.csv"), "w") as f:
        f.write(HEADER + "".join(f"{i + 1},0.1,1,0.5,1,0.5,0.5,1,{s}\n" for i, s in enumerate(epoch_seconds)))
    if cpu is not None:
        with open(os.path.join(d, "cpu_seconds.txt"), "w") as f:
            f.write(cpu)
    if result:
        with open(os.path.join(d, "result.json"), "w") as f:
            json.dump({"seed": seed, "epochs": len(epoch_seconds), "test_accuracy": acc / 100, "final_test_accuracy": final / 100,
                       "best_epoch": len(epoch_seconds), "threads": 1}, f)


class Report(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = os.path.join(self.tmp.name, "results")
        self.queue = os.path.join(self.tmp.name, "q.txt")
        with open(self.queue, "w") as f:
            f.write("# comment\ncifar10-resnet20-binary 1 80 data.path=x\n")

    def tearDown(self):
        self.tmp.cleanup()

    def row(self, text, config):
        return next(line for line in text.splitlines() if line.startswith(f"| {config} |"))

    def test_met_not_met_mean_sd_wall_and_cpu(self):
        # ResNet-20: seeds 89.5 and 90.5 -> mean 90.00, sd sqrt(0.5) = 0.71 >= 89: met. Wall: (1800 + 1800) s = 1.00 h and
        # (3600 + 3600) s = 2.00 h -> mean 1.50 h. CPU: seed 1 (3000 + 600) + (3600 + 0) s = 2.00 h; seed 2 (7200 + 0) s = 2.00 h.
        run(self.root, "cifar10-resnet20", 1, 89.5, 89.0, [1800, 1800], cpu="3000 600 4000\n3600 0 3700\n")
        run(self.root, "cifar10-resnet20", 2, 90.5, 90.0, [3600, 3600], cpu="7200 0 8000\n")
        # VGG binary: 79.9 < 80: not met (no cpu_seconds.txt: "-").
        run(self.root, "cifar10-vgg-small-binary-w0.5", 1, 79.9, 79.5, [600])
        text = zr.report(self.root, self.queue)
        r = self.row(text, "cifar10-resnet20")
        self.assertIn("| 2 (1,2) | 90.00 +- 0.71 | 89.50 | 2 | 1.50 | 2.00 | met |", r)
        self.assertIn("| 1 (1) | 79.90 | 79.50 | 1 | 0.17 | - | not met |", self.row(text, "cifar10-vgg-small-binary-w0.5"))
        # 2.00 CPU-hours fit 3 hours for a 2-thread speed-up of at least 2.00 / 3 = 0.67.
        self.assertIn("within 3 hours for s >= 0.67", text)

    def test_inflight_run_and_unfinished_seed(self):
        os.makedirs(os.path.join(self.root, "inflight"))
        run(os.path.join(self.root, "inflight"), "x", 0, 0, 0, [])  # creates inflight/x/seed0 (not a parked run name)
        d = os.path.join(self.root, "inflight", "cifar10-resnet20-binary-s1")
        os.makedirs(d)
        with open(os.path.join(d, "metrics.csv"), "w") as f:
            f.write(HEADER + "1,0.1,1,0.5,1,0.5,0.4012,1,100\n2,0.1,1,0.5,1,0.5,0.5523,1,100\n")
        # A seed folder without result.json (killed before the end) is not a finished run.
        run(self.root, "cifar10-resnet20-binary", 1, 0, 0, [100, 100], result=False)
        text = zr.report(self.root, self.queue)
        self.assertIn("| 0 | - | - | - | - | - | running (epoch 2 of 80, 55.23 % test) |", self.row(text, "cifar10-resnet20-binary"))
        self.assertIn("| not run |", self.row(text, "cifar10-mobilenet-small"))

    def test_bad_argument_is_an_error(self):
        with self.assertRaises(SystemExit):
            zr.main(["--bogus"])


if __name__ == "__main__":
    unittest.main()

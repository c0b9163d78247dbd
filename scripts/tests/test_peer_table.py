#!/usr/bin/env python3
"""Tests of benchmarks/peers/peer_table.py (the interleaved training summary of run_all.sh) and of
benchmarks/peers/measured_run.py, on hand-made windows whose medians and ratios are worked out by hand below.

Run: python3 -m unittest discover -s scripts -p 'test_*.py'   (CI's command)
"""
import json
import os
import subprocess
import sys
import unittest

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "benchmarks", "peers")
sys.path.insert(0, PEERS)
import peer_table as pt  # noqa: E402


def window(peer, model, threads, w, rate, load=0.0, alloc=None):
    r = {"mode": "train-window", "peer": peer, "model": model, "threads": threads, "window": w,
         "images_per_second": rate, "other_cpu_load": load}
    if alloc is not None:
        r["allocated_bytes_per_step"] = alloc
    return r


class SummarizeTrainTests(unittest.TestCase):
    def test_pairs_medians_and_ratios(self):
        # PyTorch 100, 80, 120 (median 100); Lowbit 150, 160, 150 (median 150): ratio of medians 1.5,
        # pairs 1.5, 2.0, 1.25 -> median 1.5, min 1.25, max 2.0.
        rows = [window("pytorch", "m", 1, 1, 100), window("lowbit", "m", 1, 1, 150, alloc=10),
                window("lowbit", "m", 1, 2, 160, load=0.3, alloc=12), window("pytorch", "m", 1, 2, 80),
                window("pytorch", "m", 1, 3, 120), window("lowbit", "m", 1, 3, 150, alloc=10),
                {"mode": "train-throughput", "peer": "pytorch", "model": "m", "threads": 1, "images_per_second": 1}]
        [s] = pt.summarize_train(rows)
        self.assertEqual((s["model"], s["threads"], s["windows"]), ("m", 1, 3))
        self.assertEqual(s["pytorch"], {"median": 100, "min": 80, "max": 120, "n": 3})
        self.assertEqual(s["lowbit"], {"median": 150, "min": 150, "max": 160, "n": 3})
        self.assertAlmostEqual(s["ratio_of_medians"], 1.5)
        self.assertAlmostEqual(s["paired_ratio"]["median"], 1.5)
        self.assertAlmostEqual(s["paired_ratio"]["min"], 1.25)
        self.assertAlmostEqual(s["paired_ratio"]["max"], 2.0)
        self.assertEqual(s["other_load_max"], 0.3)
        self.assertEqual(s["lowbit_allocated_bytes_per_step_max"], 12)

    def test_groups_by_model_and_threads_in_first_seen_order(self):
        rows = [window("pytorch", "b", 2, 1, 10), window("lowbit", "b", 2, 1, 20),
                window("pytorch", "a", 1, 1, 10), window("lowbit", "a", 1, 1, 5)]
        got = [(s["model"], s["threads"], s["ratio_of_medians"]) for s in pt.summarize_train(rows)]
        self.assertEqual(got, [("b", 2, 2.0), ("a", 1, 0.5)])

    def test_missing_window_counts_in_median_but_not_in_pairs(self):
        # Lowbit's window 2 failed: PyTorch median of 100, 200 is 150; one pair (window 1): 300 / 100 = 3.
        rows = [window("pytorch", "m", 1, 1, 100), window("lowbit", "m", 1, 1, 300), window("pytorch", "m", 1, 2, 200)]
        [s] = pt.summarize_train(rows)
        self.assertEqual(s["pytorch"]["median"], 150)
        self.assertEqual(s["paired_ratio"], {"median": 3.0, "min": 3.0, "max": 3.0, "n": 1})
        self.assertAlmostEqual(s["ratio_of_medians"], 2.0)

    def test_only_pytorch_windows_give_no_ratio(self):
        [s] = pt.summarize_train([window("pytorch", "m", 1, 1, 100)])
        self.assertIsNone(s["lowbit"])
        self.assertIsNone(s["ratio_of_medians"])
        self.assertIsNone(s["paired_ratio"])
        self.assertIn("-", "\n".join(pt.train_table([window("pytorch", "m", 1, 1, 100)], True)))

    def test_table_prints_medians_ratio_and_pair_range(self):
        rows = [window("pytorch", "resnet20-float", 2, 1, 100), window("lowbit", "resnet20-float", 2, 1, 150),
                window("lowbit", "resnet20-float", 2, 2, 130), window("pytorch", "resnet20-float", 2, 2, 100)]
        text = "\n".join(pt.train_table(rows, True))
        self.assertIn("100.0 [100.0-100.0]", text)
        self.assertIn("140.0 [130.0-150.0]", text)
        self.assertIn(" 1.40 ", text)
        self.assertIn("1.40 [1.30-1.50]", text)

    def test_table_without_windows_lists_pytorch_throughput(self):
        rows = [{"mode": "train-throughput", "peer": "pytorch", "model": "mlp-float", "threads": 1,
                 "images_per_second": 1000.0, "images_per_second_min": 900.0, "images_per_second_max": 1100.0,
                 "other_cpu_load": 0.01}]
        text = "\n".join(pt.train_table(rows, False))
        self.assertIn("mlp-float", text)
        self.assertIn("1000.0", text)
        self.assertIn("lowbit bench not available", text)


class MeasuredRunTests(unittest.TestCase):
    def run_tool(self, *args):
        return subprocess.run([sys.executable, os.path.join(PEERS, "measured_run.py"), *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)

    def test_tags_last_json_line_and_adds_load(self):
        script = 'print("warming up"); print("{\\"images_per_second\\": 1.5}"); print("{\\"images_per_second\\": 2.5, \\"x\\": 1}")'
        done = self.run_tool("--tag", "mode=train-window", "--tag", "window=3", "--tag", "peer=lowbit", "--",
                             sys.executable, "-c", script)
        self.assertEqual(done.returncode, 0, done.stderr)
        d = json.loads(done.stdout)
        self.assertEqual((d["images_per_second"], d["x"], d["mode"], d["window"], d["peer"]), (2.5, 1, "train-window", 3, "lowbit"))
        self.assertGreaterEqual(d["other_cpu_load"], 0.0)
        self.assertIn("utc", d)

    def test_keeps_the_commands_own_load(self):
        done = self.run_tool("--", sys.executable, "-c", 'print("{\\"other_cpu_load\\": 0.25}")')
        self.assertEqual(json.loads(done.stdout)["other_cpu_load"], 0.25)

    def test_no_json_line_is_an_error(self):
        done = self.run_tool("--", sys.executable, "-c", 'print("no json")')
        self.assertEqual(done.returncode, 3)
        self.assertEqual(done.stdout, "")
        self.assertIn("no JSON line", done.stderr)

    def test_bad_tag_is_a_usage_error(self):
        done = self.run_tool("--tag", "novalue", "--", sys.executable, "-c", "pass")
        self.assertEqual(done.returncode, 2)


if __name__ == "__main__":
    unittest.main()

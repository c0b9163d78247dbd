#!/usr/bin/env python3
"""Tests of scripts/claims_report.py on hand-made result.json files whose verdicts are derived by hand below.

Run: python3 -m unittest discover -s scripts -p 'test_*.py'   (CI's command; finds scripts/tests/ as a package)
  or python3 scripts/tests/test_claims_report.py
The configs are the repository's own (configs/cifar10-vgg-small-w0.25-*.json, read only): their layer shapes give the
weight counts 864, 9216, 18432, 36864, 73728, 147456, 524288, 65536, 2560 (the 7 middle layers: 875,520 weights).
"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import claims_report as cr  # noqa: E402

P = cr.PREFIX
ENDS = lambda mid: [32] + mid + [32]  # noqa: E731  first and last layers real


def write_runs(root, arm, errors, bits=None, cpu="1000 80 1200\n700 20 800\n", epochs=8):
    """One result.json (+ cpu_seconds.txt: 1,800 CPU seconds) per error, seeds 1..n."""
    for seed, err in enumerate(errors, 1):
        d = os.path.join(root, P + arm, f"seed{seed}")
        os.makedirs(d)
        r = {"seed": seed, "epochs": epochs, "test_error": err / 100.0, "best_epoch": epochs}
        if bits is not None:
            r["layer_weight_bits"] = bits
        with open(os.path.join(d, "result.json"), "w") as f:
            json.dump(r, f)
        with open(os.path.join(d, "cpu_seconds.txt"), "w") as f:
            f.write(cpu)


def row(name):
    return next(r for r in cr.CLAIMS if r[1] == name[0] and r[3] == name[1])


class Verdicts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = cls.root = os.path.join(cls.tmp.name, "results")
        # Reproduced ("<"): d = -2.0 pp, sd 0.1 each side, se = 0.082, t = -24.5 on 4 df: p ~ 1e-5.
        write_runs(root, "balanced-w2", [10.0, 10.1, 9.9])
        write_runs(root, "uniform-minmax-w2", [12.0, 12.1, 11.9])
        # Not reproduced ("le+", margin 0.5): d = +2.0, 90 % CI 2.0 +- 2.132 * 0.082 = [1.83, 2.17], all above 0.5.
        write_runs(root, "hbb-1.4", [14.0, 14.1, 13.9], epochs=12)
        write_runs(root, "residual-w2a2", [12.0, 12.1, 11.9], epochs=12)
        # Inconclusive ("<"): d = -0.5, sd 1 each, se = 0.816, t = -0.61 on 4 df: one-sided p ~ 0.29 (> 0.2: no 5-seed flag).
        write_runs(root, "balanced-w4", [10.0, 11.0, 12.0])
        write_runs(root, "uniform-minmax-w4", [10.5, 11.5, 12.5])
        # Inconclusive, needs 5 seeds: d = -0.5, sd 0.5 each, se = 0.408, t = -1.22 on 4 df: p between 0.1 and 0.2.
        write_runs(root, "xnor", [10.0, 10.5, 11.0], epochs=12)
        write_runs(root, "binarynet", [10.5, 11.0, 11.5], epochs=12)
        # Running: 3 seeds against 1.
        write_runs(root, "balanced-w3", [10.0, 10.1, 9.9])
        write_runs(root, "uniform-minmax-w3", [12.0])
        # PDB: equal errors (d = 0, CI [-0.17, +0.17] inside the margin). Staircase 4-4-4-3-3-3-2 stores
        # 4*(9216+18432+36864) + 3*(73728+147456+524288) + 2*65536 = 2,625,536 bits against 4 * 875,520 = 3,502,080:
        # 25.03 % less -> reproduced. The 2-bit pair's "staircase" is given homogeneous 2-bit weights: 0 % less -> not
        # reproduced on memory although the accuracy holds.
        write_runs(root, "pdb-stair-4443332", [12.0, 12.1, 11.9], ENDS([4, 4, 4, 3, 3, 3, 2]))
        write_runs(root, "dorefa-w4a2", [12.0, 12.1, 11.9], ENDS([4] * 7))
        write_runs(root, "pdb-stair-2222211", [12.0, 12.1, 11.9], ENDS([2] * 7))
        write_runs(root, "dorefa-w2a2", [12.0, 12.1, 11.9], ENDS([2] * 7))
        # BitPruning: float 10.0 (sd 0.2); lambda 0.03 at 4 - 65536/875520 = 3.925 bits, d = +0.1, CI upper end
        # 0.1 + t(0.95, 2.9 df) * 0.129 ~ 0.41 <= 0.5 -> reproduced, so the ~3.8-bit claim is reproduced (<= 4.0 bits).
        write_runs(root, "float", [10.0, 10.2, 9.8])
        write_runs(root, "bitpruning-bits-lam0.003", [10.2, 10.3, 10.1], ENDS([6] * 7))
        write_runs(root, "bitpruning-bits-lam0.03", [10.1, 10.2, 10.0], ENDS([4] * 6 + [3]))
        write_runs(root, "bitpruning-bits-lam0.3", [15.0], ENDS([1] * 7))
        cls.runs = cr.load(root, os.path.join(os.path.dirname(cr.HERE), "configs"))
        cls.queue = os.path.join(cls.tmp.name, "q.txt")
        with open(cls.queue, "w") as f:
            f.write("# comment\n" + "".join(f"{P}{a} {s} 12 data.path=../shared/data/cifar10\n" for a in ("xnor", "binarynet")
                                                for s in (1, 2, 3)))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def verdict(self, a, b):
        return cr.judge(row((a, b)), self.runs, {})[0]

    def test_reproduced(self):
        self.assertEqual(self.verdict("balanced-w2", "uniform-minmax-w2"), "reproduced")

    def test_not_reproduced(self):
        self.assertEqual(self.verdict("hbb-1.4", "residual-w2a2"), "not reproduced")

    def test_inconclusive(self):
        self.assertEqual(self.verdict("balanced-w4", "uniform-minmax-w4"), "inconclusive")
        self.assertEqual(self.verdict("xnor", "binarynet"), "inconclusive (needs 5 seeds)")

    def test_not_run_and_running(self):
        self.assertEqual(self.verdict("bnnplus", "binarynet"), "running (0 of 3 seeds)")
        self.assertEqual(self.verdict("pdb-auto-b3", "dorefa-w4a2"), "running (0 of 3 seeds)")
        self.assertEqual(self.verdict("balanced-w3", "uniform-minmax-w3"), "running (1 of 3 seeds)")
        empty = cr.judge(row(("hbb-1.4", "hbb-1.4-random")), {}, {})[0]
        self.assertEqual(empty, "not run")

    def test_planned_seeds_raise_n(self):
        plan = {"balanced-w2": [1, 2, 3, 4, 5]}
        self.assertEqual(cr.judge(row(("balanced-w2", "uniform-minmax-w2")), self.runs, plan)[0], "running (3 of 5 seeds)")

    def test_pdb_memory(self):
        self.assertEqual(self.verdict("pdb-stair-4443332", "dorefa-w4a2"), "reproduced")
        self.assertEqual(self.verdict("pdb-stair-2222211", "dorefa-w2a2"), "not reproduced (memory saving below 25 %)")
        saving, text = cr.memory_check(self.runs["pdb-stair-4443332"], self.runs["dorefa-w4a2"])
        self.assertAlmostEqual(saving, 1 - 2625536 / 3502080, places=12)
        self.assertIn("25.0 % less", text)

    def test_report_rows_cpu_front_and_seed_lines(self):
        out = "\n".join(cr.report(self.root, self.queue, os.path.join(os.path.dirname(cr.HERE), "configs")))
        rows = {int(c[0][2:]): c for c in (l.split(" | ") for l in out.splitlines() if l[:3].strip("| ").isdigit() and l.startswith("| "))}
        self.assertEqual(rows[10][8], "reproduced")
        self.assertEqual(rows[10][9], "3.00")  # 6 runs x 1,800 CPU seconds = 3.00 CPU-hours
        self.assertEqual(rows[15][8], "running (0 of 3 seeds)")
        self.assertEqual(rows[15][3], "not run")
        self.assertIn("**BitPruning, \"~3.8 average bits within 0.5 pp of float\"**", out)
        self.assertIn("): **reproduced**.", out)
        self.assertIn("Bend of the front: **3.93 bits** (bits, lambda 0.03, +0.10 pp against float)", out)
        self.assertIn("the next point down, 1.00 bits (bits, lambda 0.3), costs +5.00 pp", out)
        self.assertIn(f"{P}xnor 4 12 data.path=../shared/data/cifar10\n{P}xnor 5 12", out)
        self.assertIn(f"{P}binarynet 5 12 data.path=../shared/data/cifar10", out)
        self.assertIn("**Not finished** (", out)

    def test_runs_with_other_epochs_than_the_queue_are_left_out_of_the_rows(self):
        # The queue plans xnor and binarynet at 12 epochs; at 8 they must not count (binarynet's runs are at 12).
        with tempfile.TemporaryDirectory() as d:
            root = os.path.join(d, "results")
            write_runs(root, "xnor", [10.0, 10.5, 11.0], epochs=8)
            write_runs(root, "binarynet", [10.5, 11.0, 11.5], epochs=12)
            out = cr.report(root, self.queue, os.path.join(os.path.dirname(cr.HERE), "configs"))
            row16 = next(l for l in out if l.startswith("| 16 |")).split(" | ")
            self.assertEqual(row16[8], "running (0 of 3 seeds)")
            self.assertTrue(any("left out: the queue plans 12 epochs" in l for l in out))

    def test_write_replaces_only_the_marked_block(self):
        text = f"# R\n\nbefore\n{cr.BEGIN}\nold\n{cr.END}\nafter\n"
        new = cr.replace_block(text, ["", "| row |", ""])
        self.assertEqual(new, f"# R\n\nbefore\n{cr.BEGIN}\n| row |\n{cr.END}\nafter\n")


class Shapes(unittest.TestCase):
    def test_memory_from_weight_bits_avg_when_layer_bits_are_missing(self):
        counts = [864, 9216, 18432, 36864, 73728, 147456, 524288, 65536, 2560]
        # Staircase 4-4-4-3-3-3-2 with real ends: (2,625,536 + 32 * (864 + 2560)) / 878,944 = 3.11182... bits on average.
        avg = (2625536 + 32 * 3424) / 878944
        run = cr.Run("pdb-stair-4443332", "/nonexistent", {"seed": 1, "epochs": 8, "test_error": 0.1, "weight_bits_avg": avg}, counts)
        self.assertAlmostEqual(run.qmem, 2625536, places=3)
        self.assertAlmostEqual(run.qbits, 2625536 / 875520, places=9)


    def test_layer_weights_of_a_small_config(self):
        cfg = {"layers": [{"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": 1}, {"type": "max_pool", "pool_size": 2},
                          {"type": "flatten"}, {"type": "dense", "units": 10}]}
        # conv 3*4*3*3 = 108; 4 x 16 x 16 after the pool = 1024 features; dense 1024*10.
        self.assertEqual(cr.layer_weights(cfg), [108, 10240])


if __name__ == "__main__":
    unittest.main()

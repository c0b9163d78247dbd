#!/usr/bin/env python3
"""Tests of scripts/lowprec_report.py: the knee rule, queue bookkeeping and the radix-point summary.

Run: python3 -m unittest discover -s scripts -p 'test_*.py'
"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import lowprec_report as lr  # noqa: E402


class Knee(unittest.TestCase):
    def test_fewest_bits_from_which_every_point_is_within_the_margin(self):
        pts = [(6, [9.0]), (7, [3.0]), (8, [2.2]), (9, [2.5]), (10, [2.1, 2.3]), (12, [2.0])]
        # ref 2.0, margin 0.3: 9 bits (2.5) is outside, so the knee is the next point, 10 bits (mean 2.2).
        self.assertEqual(lr.knee(pts, 2.0, 0.3), 10)
        self.assertEqual(lr.knee(pts, 2.0, 0.5), 8)
        self.assertEqual(lr.knee(pts, 2.0, 7.0), 6)
        self.assertIsNone(lr.knee([(16, [3.0])], 2.0, 0.3))


class Queue(unittest.TestCase):
    def test_lines_without_a_result_for_the_same_epochs_are_left(self):
        with tempfile.TemporaryDirectory() as d:
            q = os.path.join(d, "q.txt")
            with open(q, "w") as f:
                f.write("# comment\n\nmnist-lowprec-float32 1 15\nmnist-lowprec-float32 2 15\nmnist-lowprec-float16 1 15\n")
            for seed, epochs in [(1, 15), (2, 3)]:
                run = os.path.join(d, "results", "mnist-lowprec-float32", f"seed{seed}")
                os.makedirs(run)
                with open(os.path.join(run, "result.json"), "w") as f:
                    json.dump({"epochs": epochs}, f)
            self.assertEqual(len(lr.queue_lines(q)), 3)
            self.assertEqual(lr.queued(q, os.path.join(d, "results")),
                             [("mnist-lowprec-float32", 2, 15), ("mnist-lowprec-float16", 1, 15)])


class Radix(unittest.TestCase):
    def test_start_range_changes_and_final_of_the_training_phase(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "arithmetic.csv"), "w") as f:
                f.write("step,epoch,phase,group,integer_bits,overflow_rate,overflow_rate_below\n"
                        "-300,0,start,L1/z,5,,\n-200,0,range_init,L1/z,4,0,0\n-100,0,range_init,L1/z,3,0,0.1\n"
                        "100,1,train,L1/z,3,0,0.1\n200,1,train,L1/z,4,0.1,0.2\n300,1,train,L1/z,2,0,0\n")
            # after range init 3; training 3 -> 3 -> 4 -> 2: two changes, range 2..4, final 2.
            self.assertEqual(lr.radix_rows(d), {"L1/z": (3, 2, 4, 2, 2)})


if __name__ == "__main__":
    unittest.main()

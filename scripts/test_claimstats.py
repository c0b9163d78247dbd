#!/usr/bin/env python3
"""Tests of scripts/claimstats.py against printed t-table values and hand-computed Welch statistics.

Run: python3 -m unittest discover -s scripts -p 'test_*.py'
"""
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import claimstats as cs  # noqa: E402


class TDistribution(unittest.TestCase):
    def test_quantiles_match_printed_tables(self):
        # Two-sided 90 % and 95 % critical values from standard t tables.
        for df, q95, q975 in [(1, 6.314, 12.706), (2, 2.920, 4.303), (4, 2.132, 2.776), (10, 1.812, 2.228), (30, 1.697, 2.042)]:
            self.assertAlmostEqual(cs.t_ppf(0.95, df), q95, places=3)
            self.assertAlmostEqual(cs.t_ppf(0.975, df), q975, places=3)

    def test_cdf_closed_forms(self):
        # df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi; df = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)).
        for t in [-7.5, -1.0, -0.2, 0.0, 0.3, 2.0, 11.0]:
            self.assertAlmostEqual(cs.t_cdf(t, 1), 0.5 + math.atan(t) / math.pi, places=12)
            self.assertAlmostEqual(cs.t_cdf(t, 2), 0.5 + t / (2 * math.sqrt(2 + t * t)), places=12)

    def test_large_df_approaches_normal(self):
        self.assertAlmostEqual(cs.t_ppf(0.975, 1e7), 1.959964, places=4)


class WelchTest(unittest.TestCase):
    def test_hand_computed_example(self):
        a, b = [1.0, 2.0, 3.0], [4.0, 6.0, 8.0]
        w = cs.Welch(a, b)
        # var_a = 1, var_b = 4; se^2 = 1/3 + 4/3 = 5/3; df = (25/9) / ((1/9)/2 + (16/9)/2) = 50/17
        self.assertAlmostEqual(w.d, -4.0)
        self.assertAlmostEqual(w.se, math.sqrt(5 / 3))
        self.assertAlmostEqual(w.df, 50 / 17)
        self.assertAlmostEqual(w.p_less() + w.p_greater(), 1.0)
        self.assertLess(w.p_less(), 0.05)

    def test_verdicts(self):
        better, worse = [1.0, 1.1, 0.9, 1.0], [2.0, 2.1, 1.9, 2.0]
        self.assertEqual(cs.verdict(better, worse, "<")[0], "reproduced")
        self.assertEqual(cs.verdict(worse, better, "<")[0], "not reproduced (reversed)")
        self.assertEqual(cs.verdict([1.0, 3.0], [1.1, 2.9], "<")[0], "inconclusive")
        self.assertEqual(cs.verdict([1.0, 1.01, 0.99], [1.0, 1.02, 0.98], "~", 0.3)[0], "reproduced")
        self.assertEqual(cs.verdict(better, worse, "~", 0.3)[0], "not reproduced")
        self.assertEqual(cs.verdict(worse, better, "le+", 0.3)[0], "not reproduced")
        self.assertEqual(cs.verdict(better, worse, "le+", 0.3)[0], "reproduced")
        self.assertEqual(cs.verdict([1.0], worse, "<")[0], "inconclusive: one seed")

    def test_interval_contains_difference_and_has_t_width(self):
        a, b = [10.0, 12.0, 11.0], [9.0, 9.5, 10.5]
        w = cs.Welch(a, b)
        lo, hi = w.interval(0.90)
        self.assertAlmostEqual((lo + hi) / 2, w.d)
        self.assertAlmostEqual((hi - lo) / 2, cs.t_ppf(0.95, w.df) * w.se)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
"""Tests of scripts/first_last_configs.py: the derived configs equal the 3x128 Fashion-MNIST "-rflh" configs that were
written before the script (by hand, checked in configs/), and non-MLP configs are refused.

Run: python3 -m unittest discover -s scripts -p 'test_*.py'   (CI's command)
"""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import first_last_configs as flc  # noqa: E402

CONFIGS = os.path.join(HERE, "..", "..", "configs")


def read(name):
    with open(os.path.join(CONFIGS, name + ".json"), encoding="utf-8") as f:
        return f.read()


class FirstLastConfigsTest(unittest.TestCase):
    def test_derived_configs_equal_the_hand_written_ones(self):
        for base in ("fashion-mnist-w128-hbb-1.4", "fashion-mnist-w128-residual-w1a2", "fashion-mnist-w128-residual-w2a2",
                     "fashion-mnist-w128-hbb-1.4-random", "fashion-mnist-w128-hbb-1.4-magnitude"):
            derived = json.loads(flc.strip_comments(flc.derive(read(base), base)))
            expected = json.loads(flc.strip_comments(read(base + "-rflh")))
            self.assertEqual(expected, derived, base)

    def test_first_and_last_dense_layers_lose_their_quantizers(self):
        config = json.loads(flc.strip_comments(flc.derive(read("fashion-mnist-hbb-1.4"), "fashion-mnist-hbb-1.4")))
        dense = [layer for layer in config["layers"] if layer["type"] == "dense"]
        self.assertEqual(4, len(dense))
        self.assertNotIn("weight_quantizer", dense[0])
        self.assertNotIn("input_quantizer", dense[-1])
        self.assertNotIn("weight_quantizer", dense[-1])
        self.assertIn("weight_quantizer", dense[1])  # the hidden layers keep theirs
        self.assertIn("input_quantizer", dense[2])
        k = config["layers"].index(dense[-1])
        self.assertEqual("hardtanh", config["layers"][k - 1]["type"])
        self.assertEqual("fashion-mnist-hbb-1.4-rflh", config["name"])

    def test_comments_inside_strings_are_kept(self):
        self.assertEqual('{"a": "x//y"} \n', flc.strip_comments('{"a": "x//y"} // note\n'))

    def test_convnets_are_refused(self):
        with self.assertRaises(SystemExit) as e:
            flc.derive(read("cifar10-resnet20"), "cifar10-resnet20")
        self.assertIn("cifar10-resnet20: layer 0 has type 'conv2d'", str(e.exception))


if __name__ == "__main__":
    unittest.main()

"""Unit test of scripts/lm_results_table.py on a results folder written here."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lm_results_table  # noqa: E402


class LmResultsTableTest(unittest.TestCase):
    def test_table_and_claims_from_result_files(self):
        with tempfile.TemporaryDirectory() as root:
            runs = {"ptb-lstm-float": [100.0, 101.0, 102.0], "ptb-lstm-w4a4": [101.0, 103.0, 102.0], "ptb-lstm-w2a2": [130.0]}
            for cfg, values in runs.items():
                for seed, ppl in enumerate(values, start=1):
                    d = os.path.join(root, cfg, f"seed{seed}")
                    os.makedirs(d)
                    json.dump({"perplexity_per": "word", "epochs": 20, "seed": seed, "test_perplexity": ppl, "best_val_perplexity": ppl + 3,
                               "train_seconds_per_epoch": 500.0, "recurrent_weight_bits": 4, "hidden_bits": 4, "gate_bits": 4},
                              open(os.path.join(d, "result.json"), "w"))
            # An image run in the same folder is ignored.
            os.makedirs(os.path.join(root, "mnist-mlp-float", "seed1"))
            json.dump({"test_error": 0.02, "epochs": 10, "seed": 1}, open(os.path.join(root, "mnist-mlp-float", "seed1", "result.json"), "w"))
            loaded = lm_results_table.load(root)
            self.assertEqual(sorted(cfg for cfg, _ in loaded), ["ptb-lstm-float", "ptb-lstm-w2a2", "ptb-lstm-w4a4"])
            table = "\n".join(lm_results_table.table(loaded))
            self.assertIn("| ptb-lstm-float | 20 | 3 (1,2,3) | 101.00 | 1.00 | 100.00-102.00 | 104.00 |", table)
            claims = lm_results_table.claims(loaded)
            qnn = next(line for line in claims if line.startswith("| QNN"))
            # d = +1.00, 90 % interval [-0.74, +2.74] inside +-5 % of 101 (5.05): reproduced.
            self.assertIn("[-0.74, +2.74]", qnn)
            self.assertIn("reproduced (margin +-5.05)", qnn)
            two_bits = next(line for line in claims if "3 bits better than 2 bits" in line)
            self.assertIn("not run", two_bits)


if __name__ == "__main__":
    unittest.main()

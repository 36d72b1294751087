#!/usr/bin/env python3
"""Checks of bench:seed's PyTorch peer (seed_pipeline.py): it is only worth its figures if it is
each seed pipeline's own stage. A few seconds, plus one `node --import tsx` for our counts:

  /usr/bin/python3 -m unittest discover -s bench/reference -p 'test_*.py'

The parameter counts are the engine's, from its graph analyzer (`npm run bench:seed --
--parameters`), not numbers copied here: a model changed in a YAML and not here fails.
"""
import json, os, subprocess, sys, unittest

import torch
import yaml
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed_pipeline as peer  # noqa: E402

REPO = peer.REPO


def pipeline(name):
    with open(os.path.join(REPO, "pipelines", f"{name}.yaml")) as f:
        return yaml.safe_load(f)


def input_shape(p, model):
    """A model's input as its YAML gives it; a composed model takes its first part's."""
    m = p["models"][model]
    return input_shape(p, m["compose"][0]) if "compose" in m else m["input"]


class Models(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        out = subprocess.run(["node", "--import", "tsx", os.path.join(REPO, "bench", "seed.ts"), "--parameters"], cwd=REPO, capture_output=True, text=True, check=True).stdout
        cls.ours = json.loads(out.strip().splitlines()[-1])

    def test_parameter_counts_are_the_engines(self):
        self.assertEqual(sorted(self.ours), sorted(peer.MODELS))
        for name, models in peer.MODELS.items():
            self.assertEqual(sorted(models), sorted(self.ours[name]), name)
            for model, build in models.items():
                with self.subTest(pipeline=name, model=model):
                    self.assertEqual(peer.trainable(build()), self.ours[name][model])

    def test_each_stage_model_takes_its_input_and_gives_its_output(self):
        for name, stages in peer.STAGES.items():
            p = pipeline(name)
            for s in stages:
                stage = p["stages"][s]
                h, w, _ = input_shape(p, stage["model"])
                model = peer.MODELS[name][stage["model"]]().eval()
                with torch.no_grad():
                    y = model(torch.zeros(2, 3, h, w))
                with self.subTest(pipeline=name, stage=s):
                    self.assertEqual(tuple(y.shape), (2, 3, 64, 64) if stage["kind"] == "reconstruct" else (2, 200))


class Recipe(unittest.TestCase):
    def test_seed_stages_exist(self):
        for name, stages in peer.STAGES.items():
            for s in stages:
                self.assertIn(s, pipeline(name)["stages"], name)

    def test_every_chain_maps_and_gives_the_models_input_size(self):
        img = Image.new("RGB", (64, 64), (120, 30, 200))
        for name in peer.STAGES:
            p = pipeline(name)
            for chain in p["augment"]:
                if chain == "cutout":
                    continue  # a tensor transform (the stage's corrupt), checked below
                with self.subTest(pipeline=name, chain=chain):
                    x = peer.chain(p, chain)(img)
                    self.assertEqual(x.shape[0], 3)
                    self.assertIn(tuple(x.shape[1:]), [(64, 64), (56, 56)])

    def test_cutout_paints_full_holes_clipped_to_the_image(self):
        x = torch.ones(3, 64, 64)
        masked = peer.Cutout(num_holes=1, max_h_size=16, max_w_size=16, fill_value=0, p=1)(x)
        zero = (masked == 0).all(0)
        rows, cols = zero.any(1).sum().item(), zero.any(0).sum().item()
        self.assertTrue(1 <= rows <= 16 and 1 <= cols <= 16)
        self.assertEqual(zero.sum().item(), rows * cols)
        self.assertTrue(torch.equal(x, torch.ones(3, 64, 64)))  # the target stays clean

    def test_stratified_rounds_halves_up_as_the_engine(self):
        items = [(str(i), c) for c in range(3) for i in range(5)]
        self.assertEqual(len(peer.stratified(items, 0.1)), 3)  # Math.round(0.5) = 1 per class


if __name__ == "__main__":
    unittest.main()

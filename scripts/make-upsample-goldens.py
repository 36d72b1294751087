#!/usr/bin/env python3
"""Writes test/fixtures/upsample/goldens.json: torch.nn.functional.interpolate's output and input
gradient (of sum(y * r)) for nearest and bilinear (align_corners=False), integer scale factors,
non-square inputs, batches of 1 and more, several channels; NHWC as the engine holds images.
test/graph/layers/upsample.test.ts replays them without Python:
  /usr/bin/python3 scripts/make-upsample-goldens.py
"""
import json, os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "upsample", "goldens.json")
SHAPES = [(1, 3, 5, 2), (2, 4, 3, 3), (3, 1, 6, 1), (2, 5, 5, 4)]  # (n, h, w, c)
FACTORS = [1, 2, 3]


def flat(t):
    return [round(v, 7) for v in t.detach().reshape(-1).tolist()]


def main():
    torch.manual_seed(3)
    cases = []
    for mode in ["nearest", "bilinear"]:
        for f in FACTORS:
            for n, h, w, c in SHAPES:
                x = torch.randn(n, c, h, w, dtype=torch.float64, requires_grad=True)
                extra = {"align_corners": False} if mode == "bilinear" else {}
                y = F.interpolate(x, scale_factor=f, mode=mode, **extra)
                r = torch.randn_like(y)
                (y * r).sum().backward()
                nhwc = lambda t: t.permute(0, 2, 3, 1)
                cases.append({"mode": mode, "factor": f, "x_shape": [n, h, w, c], "x": flat(nhwc(x)),
                              "y_shape": list(nhwc(y).shape), "r": flat(nhwc(r)), "y": flat(nhwc(y)), "dx": flat(nhwc(x.grad))})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump({"torch": torch.__version__, "cases": cases}, fh)
        fh.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes test/fixtures/conv/dilation-goldens.json: torch.nn.functional.conv2d with dilation.

Each case: input (NHWC), weight (HWIO), bias, the upstream gradient r; PyTorch's output of
conv2d(x, w, b, stride, padding, dilation) and the gradients of sum(y * r) for x, w and b, all in the
engine's layouts. test/graph/layers/conv-dilated.test.ts replays them without Python:
  /usr/bin/python3 scripts/make-dilation-goldens.py
"""
import json, os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "conv", "dilation-goldens.json")
# name, (n, h, w, ci), (co, kh, kw), padding (h, w), dilation (h, w), stride (h, w)
CASES = [
    ("d2 3x3", (2, 9, 9, 3), (4, 3, 3), (0, 0), (2, 2), (1, 1)),
    ("d2 3x3 pad 2", (2, 8, 10, 2), (3, 3, 3), (2, 2), (2, 2), (1, 1)),
    ("d2 stride 2 pad 1", (2, 11, 10, 2), (3, 3, 3), (1, 1), (2, 2), (2, 2)),
    ("d(1,2) stride (2,1)", (1, 9, 9, 2), (2, 3, 3), (0, 1), (1, 2), (2, 1)),
    ("d3 height only, pad 1", (1, 11, 7, 2), (2, 3, 2), (1, 0), (3, 1), (1, 1)),
    ("d2 width only 1x3", (3, 6, 9, 1), (2, 1, 3), (0, 1), (1, 2), (1, 1)),
    ("d(2,3) 2x2 pad (1,2)", (2, 7, 8, 3), (5, 2, 2), (1, 2), (2, 3), (1, 1)),
]


def flat(t):
    return [round(v, 7) for v in t.detach().reshape(-1).tolist()]


def main():
    torch.manual_seed(17)
    out = []
    for name, (n, h, w, ci), (co, kh, kw), pad, dil, stride in CASES:
        x = torch.randn(n, ci, h, w, dtype=torch.float64, requires_grad=True)
        wt = torch.randn(co, ci, kh, kw, dtype=torch.float64, requires_grad=True)
        b = torch.randn(co, dtype=torch.float64, requires_grad=True)
        y = F.conv2d(x, wt, b, stride=stride, padding=pad, dilation=dil)
        r = torch.randn_like(y)
        (y * r).sum().backward()
        nhwc = lambda t: t.permute(0, 2, 3, 1)
        out.append({
            "name": name, "padding": list(pad), "dilation": list(dil), "stride": list(stride), "kernel": [kh, kw], "filters": co,
            "x_shape": [n, h, w, ci], "x": flat(nhwc(x)), "w": flat(wt.permute(2, 3, 1, 0)), "b": flat(b),
            "y_shape": list(nhwc(y).shape), "r": flat(nhwc(r)), "y": flat(nhwc(y)),
            "dx": flat(nhwc(x.grad)), "dw": flat(wt.grad.permute(2, 3, 1, 0)), "db": flat(b.grad),
        })
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": out}, f)
        f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes test/fixtures/zoo-ops/goldens.json: PyTorch's outputs and gradients for the ops issue 18
added (grouped and depthwise conv, pooling with ceil_mode and count_include_pad, adaptive average
pooling, relu6/hardsigmoid/hardswish/silu/gelu, channel shuffle, a broadcast multiply, channel
slices).

Each case: a pipeline node (YAML flow text), the input (NHWC), the weights in the engine's layouts,
an upstream gradient r; PyTorch's output and the gradients of sum(y * r) for the input and the
weights. test/graph/zoo-ops.test.ts replays them without Python:
  /usr/bin/python3 scripts/make-zoo-op-goldens.py
"""
import json, os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "zoo-ops", "goldens.json")


def flat(t):
    return [round(v, 7) for v in t.detach().reshape(-1).tolist()]


def nhwc(t):
    return t.permute(0, 2, 3, 1)


def conv_case(name, shape, node, **kw):
    n, h, w, c = shape
    m = nn.Conv2d(c, kw["filters"], kw["kernel"], stride=kw.get("stride", 1), padding=kw.get("padding", 0),
                  dilation=kw.get("dilation", 1), groups=kw["groups"], bias=kw.get("bias", True)).double()
    x = torch.randn(n, c, h, w, dtype=torch.float64, requires_grad=True)
    y = m(x)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    # PyTorch's weight [out, in/groups, kh, kw] is the engine's kernel [kh, kw, in/groups, out].
    weights = [flat(m.weight.permute(2, 3, 1, 0))] + ([flat(m.bias)] if m.bias is not None else [])
    grads = [flat(m.weight.grad.permute(2, 3, 1, 0))] + ([flat(m.bias.grad)] if m.bias is not None else [])
    return case(name, node, x, y, r, weights, grads)


def fn_case(name, shape, node, f):
    n, h, w, c = shape
    x = (torch.randn(n, c, h, w, dtype=torch.float64) * 3).requires_grad_(True)
    y = f(x)
    r = torch.randn_like(y)
    (y * r).sum().backward()
    return case(name, node, x, y, r, [], [])


def case(name, node, x, y, r, weights, grads):
    return {
        "name": name, "node": node, "x_shape": list(nhwc(x).shape), "x": flat(nhwc(x)), "y_shape": list(nhwc(y).shape),
        "y": flat(nhwc(y)), "r": flat(nhwc(r)), "dx": flat(nhwc(x.grad)), "weights": weights, "dweights": grads,
    }


def shuffle3(x):
    # torchvision.models.shufflenetv2.channel_shuffle (F.channel_shuffle has no derivative in torch 1.13).
    n, c, h, w = x.shape
    return x.view(n, 3, c // 3, h, w).transpose(1, 2).contiguous().view(n, c, h, w)


def main():
    torch.manual_seed(18)
    cases = [
        conv_case("groups 2, padding 1", (2, 7, 7, 4), "{op: conv, filters: 6, kernel: 3, padding: 1, groups: 2}", filters=6, kernel=3, padding=1, groups=2),
        conv_case("groups 4, stride 2, no bias", (2, 9, 8, 8), "{op: conv, filters: 8, kernel: 3, stride: 2, padding: 1, groups: 4, bias: false}", filters=8, kernel=3, stride=2, padding=1, groups=4, bias=False),
        conv_case("groups 2, dilation 2", (1, 9, 9, 4), "{op: conv, filters: 4, kernel: 3, dilation: 2, padding: 2, groups: 2}", filters=4, kernel=3, dilation=2, padding=2, groups=2),
        conv_case("depthwise 3x3 stride 1", (2, 6, 7, 5), "{op: conv, filters: 5, kernel: 3, padding: 1, groups: depthwise}", filters=5, kernel=3, padding=1, groups=5),
        conv_case("depthwise 5x5 stride 2", (2, 9, 8, 3), "{op: conv, filters: 3, kernel: 5, stride: 2, padding: 2, groups: depthwise, bias: false}", filters=3, kernel=5, stride=2, padding=2, groups=3, bias=False),
        conv_case("depthwise multiplier 2", (1, 6, 6, 3), "{op: conv, filters: 6, kernel: 3, stride: 2, groups: 3}", filters=6, kernel=3, stride=2, groups=3),
        conv_case("depthwise dilation 2", (1, 8, 8, 2), "{op: conv, filters: 2, kernel: 3, dilation: 2, padding: 2, groups: 2}", filters=2, kernel=3, dilation=2, padding=2, groups=2),
        fn_case("maxpool ceil_mode (squeezenet)", (2, 8, 8, 3), "{op: maxpool, kernel: 3, stride: 2, ceil_mode: true}", lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True)),
        fn_case("maxpool ceil_mode, padding, last window dropped", (1, 6, 6, 2), "{op: maxpool, kernel: 2, stride: 2, padding: 1, ceil_mode: true}", lambda x: F.max_pool2d(x, 2, 2, padding=1, ceil_mode=True)),
        fn_case("avgpool ceil_mode", (2, 7, 7, 3), "{op: avgpool, kernel: 2, stride: 2, ceil_mode: true}", lambda x: F.avg_pool2d(x, 2, 2, ceil_mode=True)),
        fn_case("avgpool ceil_mode, padding", (1, 7, 6, 2), "{op: avgpool, kernel: 3, stride: 2, padding: 1, ceil_mode: true}", lambda x: F.avg_pool2d(x, 3, 2, padding=1, ceil_mode=True)),
        fn_case("avgpool count_include_pad false", (1, 7, 7, 2), "{op: avgpool, kernel: 3, stride: 2, padding: 1, count_include_pad: false}", lambda x: F.avg_pool2d(x, 3, 2, padding=1, count_include_pad=False)),
        fn_case("avgpool ceil_mode, count_include_pad false", (1, 6, 7, 2), "{op: avgpool, kernel: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false}", lambda x: F.avg_pool2d(x, 3, 2, padding=1, ceil_mode=True, count_include_pad=False)),
        fn_case("adaptive_avgpool 5x7 to 2x3", (2, 5, 7, 3), "{op: adaptive_avgpool, size: [2, 3]}", lambda x: F.adaptive_avg_pool2d(x, (2, 3))),
        fn_case("adaptive_avgpool 7x7 to 3x3 (overlapping bins)", (1, 7, 7, 2), "{op: adaptive_avgpool, size: 3}", lambda x: F.adaptive_avg_pool2d(x, 3)),
        fn_case("adaptive_avgpool 2x2 to 7x7 (VGG at 64x64)", (1, 2, 2, 3), "{op: adaptive_avgpool, size: 7}", lambda x: F.adaptive_avg_pool2d(x, 7)),
        fn_case("adaptive_avgpool to 1x1", (2, 5, 4, 3), "{op: adaptive_avgpool, size: 1}", lambda x: F.adaptive_avg_pool2d(x, 1)),
        fn_case("relu6", (1, 4, 4, 3), "{op: relu6}", F.relu6),
        fn_case("hardsigmoid", (1, 4, 4, 3), "{op: hardsigmoid}", F.hardsigmoid),
        fn_case("hardswish", (1, 4, 4, 3), "{op: hardswish}", F.hardswish),
        fn_case("silu", (1, 4, 4, 3), "{op: silu}", F.silu),
        fn_case("gelu", (1, 4, 4, 3), "{op: gelu}", F.gelu),
        fn_case("channel_shuffle 3 groups", (2, 2, 3, 6), "{op: channel_shuffle, groups: 3}", shuffle3),
        fn_case("multiply by a pooled gate", (2, 3, 4, 5), "{op: multiply, from: [input, gate]}", lambda x: x * F.adaptive_avg_pool2d(x, 1)),
        fn_case("slice_channels, the first half (x.chunk(2, dim=1)[0])", (2, 3, 4, 6), "{op: slice_channels, size: 3}", lambda x: x.chunk(2, dim=1)[0]),
        fn_case("slice_channels, the second half", (2, 3, 4, 6), "{op: slice_channels, start: 3, size: 3}", lambda x: x.chunk(2, dim=1)[1]),
        fn_case("slice_channels, a middle run", (1, 2, 3, 7), "{op: slice_channels, start: 2, size: 4}", lambda x: x[:, 2:6]),
    ]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()

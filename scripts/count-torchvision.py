#!/usr/bin/env python3
"""Prints torchvision's parameter count and conv + Linear MACs at 64x64 for the models named, the
two numbers test/graph/zoo.test.ts and docs/zoo.md hold for pipelines/zoo/:
  /usr/bin/python3 scripts/count-torchvision.py resnet18 mobilenet_v3_small
MACs as the engine counts them: a conv's output elements times in/groups * kh * kw, a Linear's
in * out; batchnorm, pooling and activations none.
"""
import sys

import torch
import torchvision.models as M


def counts(name, size=64):
    model = getattr(M, name)().eval()
    macs = [0]

    def hook(module, _inputs, out):
        if isinstance(module, torch.nn.Conv2d):
            macs[0] += out.numel() * (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]
        elif isinstance(module, torch.nn.Linear):
            macs[0] += module.in_features * module.out_features

    for m in model.modules():
        m.register_forward_hook(hook)
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    return sum(p.numel() for p in model.parameters()), macs[0]


if __name__ == "__main__":
    for n in sys.argv[1:]:
        params, macs = counts(n)
        print(f"{n} {params} {macs}")

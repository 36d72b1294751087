#!/usr/bin/env python3
"""One training step of a torchvision classifier, timed: the peer of `npm run bench:zoo`.

The same step as the engine's: the model as torchvision 0.14 builds it (num_classes given), a
random batch at SIZE x SIZE, cross-entropy, SGD with momentum 0.9 and weight decay 1e-4 (the zoo
files' optimiser), in train mode. PyTorch at its best on a CPU: channels-last tensors and every
core (--threads, default all; Debian's PyTorch needs libopenblas0-pthread beside it: ../shared/reference/torch_throughput.py checks for it). Prints one JSON line: the median step in seconds over --steps after
--warmup.
"""
import argparse
import json
import os
import statistics
import time

import torch
import torchvision


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--classes", type=int, default=200)
    p.add_argument("--threads", type=int, default=0, help="0: every core")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--memory-format", default="channels_last", choices=["channels_last", "contiguous"])
    a = p.parse_args()
    torch.set_num_threads(a.threads if a.threads > 0 else (os.cpu_count() or 1))
    torch.manual_seed(0)
    fmt = torch.channels_last if a.memory_format == "channels_last" else torch.contiguous_format
    build = getattr(torchvision.models, a.model)
    kwargs = {"num_classes": a.classes}
    if a.model == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    model = build(**kwargs).to(memory_format=fmt)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(a.batch, 3, a.size, a.size).to(memory_format=fmt)
    y = torch.randint(0, a.classes, (a.batch,))
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for i in range(a.warmup + a.steps):
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append(time.perf_counter() - t)
    print(json.dumps({
        "step_s": statistics.median(times),
        "threads": torch.get_num_threads(),
        "engine": f"pytorch-{torch.__version__}",
    }))


if __name__ == "__main__":
    main()

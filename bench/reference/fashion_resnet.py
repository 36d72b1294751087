#!/usr/bin/env python3
"""pipelines/fashion-resnet.yaml written in PyTorch 1.13: the peer for time to accuracy (issue 9).

The report's ResNet recipe on Fashion-MNIST, piece for piece as the engine runs it, so the two
can be timed to the same test accuracy on the same machine. Needs Debian's python3-torch and
dataset-fashion-mnist; run with /usr/bin/python3. Nothing is downloaded.

  /usr/bin/python3 bench/reference/fashion_resnet.py --threads 2
  /usr/bin/python3 bench/reference/fashion_resnet.py --memory-format contiguous   # NCHW (default: channels_last)
  /usr/bin/python3 bench/reference/fashion_resnet.py --epochs 1 --threads 1      # a timing probe
  /usr/bin/python3 bench/reference/fashion_resnet.py --json > torch.json         # for bench:fashion

Prints per epoch: lr, train loss and top-1, test loss and top-1 (all 10,000 test images, after
every epoch), the epoch's training and evaluation seconds, the cumulative wall time and the
cumulative CPU time of this process (with --threads 1, what a dedicated core would take on a
shared machine), the 1-minute load average; at the end the first epoch, and the time, at which
test top-1 reached --target. With --json the lines go to
stderr and one JSON document (the recipe, every epoch, the result) to stdout.

What is the same as the engine (src/graph, src/train, src/data, docs/training.md):
- model: conv7x7(1 -> 16, padding 3, bias) -> BN -> ReLU -> Residual1(16, rate 1) ->
  Residual1(16) -> Residual1(32) -> Residual1(64) -> global average pool -> Linear(128 -> 10);
  Residual1 = ReLU(conv1x1 s2 shortcut (bias) + BN(conv3x3(ReLU(BN(conv3x3 s2 p1))))), every conv
  with a bias; 309,722 trainable parameters, as `pipe run` prints.
- init: every conv weight (1x1 shortcuts too) kaiming_normal(fan_out, relu), every conv bias 0;
  BN gamma 1, beta 0; the Linear keeps torch's default, which is the engine's `pytorch` default
  for a dense op without an init (kaiming_uniform(a=sqrt 5) weight, U(+-1/sqrt(fan_in)) bias).
- BN: momentum 0.1, eps 1e-5; evaluation uses the running statistics.
- data: the idx .gz files read directly, uint8 / 255 into [0, 1], no normalisation (the YAML's
  chain has no normalize); 60,000 training images shuffled afresh each epoch, the last batch
  partial (469 steps of 128: drop_last false); the 10,000 test images in batches of 128.
- augmentation, drawn per image, per epoch: RandomCrop(28, padding=2, fill 0) (top offset, then
  left, each uniform in 0..4) then RandomHorizontalFlip(0.5).
- loss: mean cross-entropy, no label smoothing. SGD(lr 0.1, momentum 0.9, weight_decay 5e-4,
  dampening 0, not nesterov) over every parameter (BN's and biases too: the engine's optimiser
  takes every trainable weight). MultiStepLR([15, 25], 0.1), stepped after each epoch's
  evaluation: lr 0.1 for epochs 1-15, 0.01 for 16-25, 0.001 for 26-30.

Where the two cannot be identical:
- random streams: the engine draws initial weights, data order and augmentation from its own
  seeded Rng (per weight, per epoch, per image); here torch's generators draw them. The
  distributions are the same, the samples are not, so epoch-by-epoch accuracy differs by the
  run-to-run spread of this recipe, not by a systematic amount.
- BN running variance: torch keeps the unbiased batch variance (x n/(n-1)), tfjs the biased one.
  The smallest n here is res4's 2x2 maps: 4 x 128 = 512 values per channel (384 in the last,
  96-image batch), so the two differ by at most 0.26% in the variance used at test time.
- arithmetic: oneDNN (AVX-512, threads) against XNNPACK on wasm SIMD (one thread): other
  summation orders, float32 rounding differences that training amplifies.
- augmentation is applied to a whole batch of tensors at once (pad, gather the crop, flip by a
  mask) instead of per PIL image through torchvision; the draws have torchvision's distribution
  and test_fashion_resnet.py checks the pixels equal torchvision's functional crop and flip.
- time: both count, per epoch, the training loop (batches, augmentation, steps) plus the
  evaluation, and neither counts reading the data or building the model. The engine assembles
  batches on a worker thread beside its one compute thread; here the main thread does it
  between steps, and torch's kernels use --threads threads.
"""
import argparse, gzip, json, os, sys, time
from datetime import datetime, timezone

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# The recipe, as pipelines/fashion-resnet.yaml writes it (units in the comments).
RECIPE = {
    "data_root": "/usr/share/datasets/fashion-mnist",
    "epochs": 30,
    "batch_size": 128,           # images per step, training and evaluation
    "lr": 0.1,
    "momentum": 0.9,
    "weight_decay": 5e-4,        # L2 added to the gradient (torch.optim.SGD)
    "milestones": [15, 25],      # epochs after which lr *= gamma
    "gamma": 0.1,
    "crop_padding": 2,           # pixels of zeros on each side before the 28x28 crop
    "flip_p": 0.5,
    "width": 16,                 # the stem's channels
    "classes": 10,
}
IMAGE = 28
FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def read_idx(path):
    """An IDX file's uint8 array: 2 zero bytes, type 0x08, d dimensions, d big-endian uint32 sizes, data."""
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not a uint8 IDX file (header {raw[:4].hex()})")
    d = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(d)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * d)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: shape {tuple(dims)} needs {int(np.prod(dims))} bytes, found {data.size}")
    return data.reshape(dims)


def load_split(root, split):
    """Images as float32 N x 1 x 28 x 28 in [0, 1] (uint8 / 255, as the engine's loader), labels int64."""
    images, labels = (read_idx(os.path.join(root, name)) for name in FILES[split])
    if len(images) != len(labels):
        raise ValueError(f"{root}: {len(labels)} {split} labels for {len(images)} images")
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


class Residual1(nn.Module):
    """The YAML's `residual1` block: ReLU(shortcut + main), both strided by 2."""

    def __init__(self, c, rate=2):
        super().__init__()
        o = rate * c
        self.main = nn.Sequential(nn.Conv2d(c, o, 3, stride=2, padding=1), nn.BatchNorm2d(o), nn.ReLU(),
                                  nn.Conv2d(o, o, 3, stride=1, padding=1), nn.BatchNorm2d(o))
        self.shortcut = nn.Conv2d(c, o, 1, stride=2)

    def forward(self, x):
        return F.relu(self.shortcut(x) + self.main(x))


def fashion_resnet(width=RECIPE["width"], classes=RECIPE["classes"]):
    """The YAML's `resnet` model: 28 -> 14 -> 7 -> 4 -> 2 spatially, 16 -> 16 -> 32 -> 64 -> 128 channels."""
    w = width
    model = nn.Sequential(
        nn.Conv2d(1, w, 7, padding=3), nn.BatchNorm2d(w), nn.ReLU(),
        Residual1(w, rate=1), Residual1(w), Residual1(2 * w), Residual1(4 * w),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8 * w, classes))
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


def draw_augment(n, gen, padding=RECIPE["crop_padding"], flip_p=RECIPE["flip_p"]):
    """torchvision's draws for n images: RandomCrop's top and left offsets, each uniform over the
    2 * padding + 1 places a 28 crop fits in the padded image, and RandomHorizontalFlip's u < p."""
    offsets = torch.randint(0, 2 * padding + 1, (n, 2), generator=gen)
    flips = torch.rand(n, generator=gen) < flip_p
    return offsets, flips


def apply_augment(x, offsets, flips, padding=RECIPE["crop_padding"]):
    """Pads a batch with zeros, crops each image at its (top, left) and mirrors the flipped ones.
    Crop by gather: out[b, :, i, j] = padded[b, :, top_b + i, left_b + j]."""
    n, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))
    rows = (offsets[:, 0:1] + torch.arange(h)).view(n, 1, h, 1).expand(n, c, h, w + 2 * padding)
    out = padded.gather(2, rows)
    cols = (offsets[:, 1:2] + torch.arange(w)).view(n, 1, 1, w).expand(n, c, h, w)
    out = out.gather(3, cols)
    return torch.where(flips.view(n, 1, 1, 1), out.flip(3), out)


def train_epoch(model, opt, x, y, gen, batch, fmt=torch.contiguous_format):
    """One epoch in a fresh order: (mean loss, top-1) over the augmented training images."""
    model.train()
    order = torch.randperm(len(x), generator=gen)
    loss_sum, correct = 0.0, 0
    for start in range(0, len(x), batch):
        idx = order[start:start + batch]
        xb = apply_augment(x[idx], *draw_augment(len(idx), gen)).contiguous(memory_format=fmt)
        logits = model(xb)
        loss = F.cross_entropy(logits, y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_sum += loss.item() * len(idx)
        correct += int((logits.argmax(1) == y[idx]).sum())
    return loss_sum / len(x), correct / len(x)


@torch.no_grad()
def evaluate(model, x, y, batch, fmt=torch.contiguous_format):
    """(mean loss, top-1) on every image, BN on its running statistics."""
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(x), batch):
        logits = model(x[start:start + batch].contiguous(memory_format=fmt))
        loss_sum += F.cross_entropy(logits, y[start:start + batch], reduction="sum").item()
        correct += int((logits.argmax(1) == y[start:start + batch]).sum())
    return loss_sum / len(x), correct / len(x)


def first_reaching(epochs, target):
    """The first epoch record whose test top-1 is at least target, or None."""
    return next((e for e in epochs if e["test_top1"] >= target), None)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    p.add_argument("--target", type=float, default=0.91, help="test top-1 to time (default 0.91)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", default=RECIPE["data_root"], help="folder of the four idx .gz files")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout, the lines on stderr")
    p.add_argument("--memory-format", default="channels_last", choices=["channels_last", "contiguous"],
                   help="the model's and the batches' layout (default channels_last: PyTorch's fastest on CPU)")
    a = p.parse_args(argv)
    if a.epochs < 1 or a.threads < 1 or not 0 < a.target <= 1:
        p.error("--epochs and --threads must be at least 1, --target in (0, 1]")
    log = (lambda s: print(s, file=sys.stderr, flush=True)) if a.json else (lambda s: print(s, flush=True))
    if not os.path.exists(os.path.join(a.data, FILES["train"][0])):
        p.error(f"{a.data}: no Fashion-MNIST here (apt-get install dataset-fashion-mnist)")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    x_train, y_train = load_split(a.data, "train")
    x_test, y_test = load_split(a.data, "test")
    fmt = torch.channels_last if a.memory_format == "channels_last" else torch.contiguous_format
    model = fashion_resnet().to(memory_format=fmt)
    params = sum(t.numel() for t in model.parameters())
    opt = torch.optim.SGD(model.parameters(), lr=RECIPE["lr"], momentum=RECIPE["momentum"], weight_decay=RECIPE["weight_decay"])
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=RECIPE["milestones"], gamma=RECIPE["gamma"])
    batch = RECIPE["batch_size"]
    log(f"pytorch {torch.__version__}, {a.threads} thread(s), {a.memory_format}: {params:,} parameters, {len(x_train)} training and "
        f"{len(x_test)} test images, {-(-len(x_train) // batch)} steps per epoch, {a.epochs} epochs")
    log("epoch  lr      train_loss  train_top1  test_loss  test_top1  train_s  eval_s  total_s  cpu_s  load1")

    started = datetime.now(timezone.utc).isoformat()
    epochs, total_train, total, total_cpu = [], 0.0, 0.0, 0.0
    for epoch in range(1, a.epochs + 1):
        lr = opt.param_groups[0]["lr"]
        t0, c0 = time.perf_counter(), time.process_time()
        train_loss, train_top1 = train_epoch(model, opt, x_train, y_train, gen, batch, fmt)
        t1 = time.perf_counter()
        test_loss, test_top1 = evaluate(model, x_test, y_test, batch, fmt)
        t2, c2 = time.perf_counter(), time.process_time()
        sched.step()
        total_train += t1 - t0
        total += t2 - t0
        total_cpu += c2 - c0
        rec = {"epoch": epoch, "lr": lr, "train_loss": train_loss, "train_top1": train_top1, "test_loss": test_loss,
               "test_top1": test_top1, "train_s": t1 - t0, "eval_s": t2 - t1, "cum_train_s": total_train,
               "cum_s": total, "cpu_s": c2 - c0, "cum_cpu_s": total_cpu, "load1": os.getloadavg()[0]}
        epochs.append(rec)
        log(f"{epoch:5d}  {lr:<6g}  {train_loss:10.4f}  {train_top1:10.4f}  {test_loss:9.4f}  {test_top1:9.4f}  "
            f"{rec['train_s']:7.1f}  {rec['eval_s']:6.1f}  {total:7.1f}  {total_cpu:5.0f}  {rec['load1']:5.2f}")

    hit = first_reaching(epochs, a.target)
    log(f"test top-1 {a.target:.2%} first reached at epoch {hit['epoch']}, after {hit['cum_s']:.1f} s "
        f"({hit['cum_train_s']:.1f} s of it training; {hit['cum_cpu_s']:.1f} s of CPU time)" if hit else f"test top-1 never reached {a.target:.2%} in {a.epochs} epochs")
    log(f"final test top-1 {epochs[-1]['test_top1']:.4f}, best {max(e['test_top1'] for e in epochs):.4f}, {total:.1f} s in all")
    if a.json:
        print(json.dumps({
            "engine": f"pytorch-{torch.__version__}", "threads": a.threads, "memory_format": a.memory_format, "seed": a.seed, "params": params,
            "recipe": {**RECIPE, "epochs": a.epochs}, "target": a.target, "started": started,
            "ended": datetime.now(timezone.utc).isoformat(), "cpus": os.cpu_count(), "epochs": epochs,
            "reached": None if hit is None else {"epoch": hit["epoch"], "seconds": hit["cum_s"], "train_seconds": hit["cum_train_s"], "cpu_seconds": hit["cum_cpu_s"]},
            "final_top1": epochs[-1]["test_top1"],
        }, indent=1))


if __name__ == "__main__":
    main()

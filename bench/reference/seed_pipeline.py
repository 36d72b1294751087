#!/usr/bin/env python3
"""The seed pipelines (pipelines/{alexnet,resnet9,inception-resnet,densenet,task2-ae}.yaml) in
PyTorch 1.13: the peer of `npm run bench:seed` (issue 21, point 2), one stage end to end.

  /usr/bin/python3 bench/reference/seed_pipeline.py --pipeline resnet9 --stage train --data TREE \
      --steps 20 --warmup 2 --threads 1 --workers 1
  /usr/bin/python3 bench/reference/seed_pipeline.py --parameters     # every model's trainable count

What is the pipeline's own, read from its YAML: the batch size, the optimiser and its settings, the
augmentation chains (mapped op by op onto torchvision transforms below), the stage's data (train
split, the 10% stratified selection, task2-ae's doubled unlabelled set with Cutout on the input).
The models are written out here, node for node as the YAML graphs build them (every conv with a
bias, batchnorm's gamma and beta trainable); test_seed_pipeline.py checks their parameter counts
against the engine's graph analyzer. The data is read as torchvision's ImageFolder reads a tree
(PIL per image, every epoch: no decoded cache), from train/<wnid>/images/*.JPEG and val/images
labelled by val_annotations.txt, classes numbered in sorted wnid order; a DataLoader with
persistent workers assembles batches; tensors are channels-last. Schedules are left out: a step's
cost does not depend on its lr.

Prints one JSON line: decode_s and cache_mb null (nothing is decoded ahead), data path alone
(batches assembled, augmentation included, nothing stepped) in img/s, --steps training steps timed
end to end (waiting for batches included) in img/s, one full validation pass in seconds (null for
a stage without val), the item counts the projection needs, and peak RSS in MB: this process's,
and apart the largest DataLoader worker's (resource.getrusage, after the workers have exited; a
forked worker shares the parent's pages, so the two are not added).
"""
import argparse, json, math, os, random, resource, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml
from PIL import Image
from torch.utils.data import ConcatDataset, DataLoader, Dataset
import torchvision.transforms as T

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# The seed study's stages (densenet's cycle2 steps exactly as cycle1, with a tenth of the lr).
STAGES = {"alexnet": ["train"], "resnet9": ["train"], "inception-resnet": ["train"], "densenet": ["cycle1"], "task2-ae": ["pretrain", "finetune"]}


# ---- models, as the YAML graphs build them ----

def conv(cin, cout, k, stride=1, padding=0):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=padding, bias=True)


class Residual1(nn.Module):
    """ReLU(conv1x1 s2 shortcut + BN(conv3x3(ReLU(BN(conv3x3 s2))))): resnet9 and task2-ae's encoder."""

    def __init__(self, cin, c, rate=2):
        super().__init__()
        out = rate * c
        self.a, self.bn_a = conv(cin, out, 3, 2, 1), nn.BatchNorm2d(out)
        self.b, self.bn_b = conv(out, out, 3, 1, 1), nn.BatchNorm2d(out)
        self.shortcut = conv(cin, out, 1, 2)

    def forward(self, x):
        main = self.bn_b(self.b(F.relu(self.bn_a(self.a(x)))))
        return F.relu(self.shortcut(x) + main)


def alexnet():
    return nn.Sequential(
        conv(3, 64, 5, 2, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
        conv(64, 192, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(3, 2),
        conv(192, 384, 3, 1, 1), nn.ReLU(), conv(384, 256, 3, 1, 1), nn.ReLU(), conv(256, 256, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(2304, 2304), nn.ReLU(), nn.Dropout(0.5), nn.Linear(2304, 2048), nn.ReLU(), nn.Linear(2048, 200))


def resnet9():
    return nn.Sequential(
        conv(3, 64, 7, 1, 3), nn.BatchNorm2d(64), nn.ReLU(),
        Residual1(64, 64, 1), Residual1(64, 64), Residual1(128, 128), Residual1(256, 256),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 200))


def cbr(cin, cout, kh=3, kw=3, stride=1, ph=0, pw=0):
    return nn.Sequential(nn.Conv2d(cin, cout, (kh, kw), stride=stride, padding=(ph, pw)), nn.BatchNorm2d(cout), nn.ReLU())


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.s1 = nn.Sequential(cbr(3, 32, stride=2, ph=1, pw=1), cbr(32, 32, ph=1, pw=1), cbr(32, 64, ph=1, pw=1))
        self.s2_pool, self.s2_conv = nn.MaxPool2d(3, 2, 1), cbr(64, 96, stride=2, ph=1, pw=1)
        self.s3_a = nn.Sequential(cbr(160, 64, 1, 1), cbr(64, 96, ph=1, pw=1))
        self.s3_b = nn.Sequential(cbr(160, 64, 1, 1), cbr(64, 64, 7, 1, ph=3), cbr(64, 64, 1, 7, pw=3), cbr(64, 96, ph=1, pw=1))
        self.s4_conv, self.s4_pool = cbr(192, 192, stride=2, ph=1, pw=1), nn.MaxPool2d(3, 2, 1)

    def forward(self, x):
        s1 = self.s1(x)
        s2 = torch.cat([self.s2_pool(s1), self.s2_conv(s1)], 1)
        s3 = torch.cat([self.s3_a(s2), self.s3_b(s2)], 1)
        return torch.cat([self.s4_conv(s3), self.s4_pool(s3)], 1)


class InceptionA(nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale
        self.b1 = cbr(384, 32, 1, 1)
        self.b2 = nn.Sequential(cbr(384, 32, 1, 1), cbr(32, 32, ph=1, pw=1))
        self.b3 = nn.Sequential(cbr(384, 32, 1, 1), cbr(32, 48, ph=1, pw=1), cbr(48, 64, ph=1, pw=1))
        self.up = cbr(128, 384, 1, 1)

    def forward(self, x):
        r = self.up(torch.cat([self.b1(x), self.b2(x), self.b3(x)], 1))
        return F.relu(x + self.scale * r)


class Reduction(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool, self.conv = nn.MaxPool2d(3, 2, 1), cbr(384, 384, stride=2, ph=1, pw=1)
        self.deep = nn.Sequential(cbr(384, 256, 1, 1), cbr(256, 256, ph=1, pw=1), cbr(256, 384, stride=2, ph=1, pw=1))

    def forward(self, x):
        return torch.cat([self.pool(x), self.conv(x), self.deep(x)], 1)


class InceptionB(nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale
        self.b1 = cbr(1152, 192, 1, 1)
        self.b2 = nn.Sequential(cbr(1152, 192, 1, 1), cbr(192, 224, 1, 7, pw=3), cbr(224, 256, 7, 1, ph=3))
        self.up = cbr(448, 1152, 1, 1)

    def forward(self, x):
        r = self.up(torch.cat([self.b1(x), self.b2(x)], 1))
        return F.relu(x + self.scale * r)


def inception_resnet():
    return nn.Sequential(Stem(), InceptionA(0.1), Reduction(), InceptionB(0.1), InceptionB(0.1),
                         nn.AvgPool2d(3), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1152, 200))


class DenseStage(nn.Module):
    """MYBlock(in, c), 3 x MYBlock(c, c); concat(input, output); MaxPool 2."""

    def __init__(self, cin, c):
        super().__init__()
        self.body = nn.Sequential(cbr(cin, c, ph=1, pw=1), *[cbr(c, c, ph=1, pw=1) for _ in range(3)])

    def forward(self, x):
        return F.max_pool2d(torch.cat([x, self.body(x)], 1), 2)


def densenet():
    return nn.Sequential(cbr(3, 32, ph=1, pw=1), DenseStage(32, 128), DenseStage(160, 256), DenseStage(416, 512),
                         nn.Conv2d(928, 200, 1), nn.AvgPool2d(8), nn.Flatten())


class RevRes(nn.Module):
    """task2-ae's decoder unit: transposed convs that double height and width."""

    def __init__(self, cin, out):
        super().__init__()
        self.a, self.bn_a = nn.ConvTranspose2d(cin, out, 4, 2, 1), nn.BatchNorm2d(out)
        self.b, self.bn_b = nn.ConvTranspose2d(out, out, 1), nn.BatchNorm2d(out)
        self.shortcut = nn.ConvTranspose2d(cin, out, 2, 2)

    def forward(self, x):
        return F.relu(self.shortcut(x) + self.bn_b(self.b(F.relu(self.bn_a(self.a(x))))))


class Res(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(conv(c, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU(), conv(c, c, 3, 1, 1), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.body(x)


def encoder():
    return nn.Sequential(conv(3, 32, 7, 1, 3), nn.BatchNorm2d(32), nn.ReLU(),
                         Residual1(32, 32, 1), Residual1(32, 32), Residual1(64, 64), Residual1(128, 128))


def decoder():
    return nn.Sequential(RevRes(256, 256), RevRes(256, 128), RevRes(128, 64), RevRes(64, 3), Res(3))


def head():
    return nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(4 * 4 * 256, 200))


# The models each pipeline's YAML names, by that name.
MODELS = {
    "alexnet": {"alexnet": alexnet},
    "resnet9": {"resnet9": resnet9},
    "inception-resnet": {"inception_resnet": inception_resnet},
    "densenet": {"densenet": densenet},
    "task2-ae": {"encoder": encoder, "decoder": decoder, "head": head,
                 "autoencoder": lambda: nn.Sequential(encoder(), decoder()),
                 "classifier": lambda: nn.Sequential(encoder(), head())},
}


def trainable(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# ---- augmentation: the YAML's ops as torchvision transforms ----

class Cutout:
    """albumentations 1.x Cutout, as src/data/augment/ops/cutout.ts: with probability p, holes of
    the full size centred on points drawn from [0, h] x [0, w] (both ends), clipped."""

    def __init__(self, num_holes=8, max_h_size=8, max_w_size=8, fill_value=0, p=0.5):
        self.n, self.h, self.w, self.fill, self.p = num_holes, max_h_size, max_w_size, fill_value, p

    def __call__(self, x):  # a C x H x W tensor
        if random.random() >= self.p:
            return x
        x = x.clone()
        _, h, w = x.shape
        for _ in range(self.n):
            y, cx = random.randint(0, h), random.randint(0, w)
            y1, x1 = min(max(y - self.h // 2, 0), h), min(max(cx - self.w // 2, 0), w)
            x[:, y1:min(y1 + self.h, h), x1:min(x1 + self.w, w)] = self.fill / 255 if self.fill > 1 else self.fill
        return x


def transform(step):
    """One YAML augmentation step as a torchvision transform on a PIL image."""
    s = {k: v for k, v in step.items() if k != "op"}
    op = step["op"]
    if op == "random_horizontal_flip":
        return T.RandomHorizontalFlip(s.get("p", 0.5))
    if op == "random_vertical_flip":
        return T.RandomVerticalFlip(s.get("p", 0.5))
    if op == "random_crop":
        return T.RandomCrop(s["size"], padding=s.get("padding"), fill=s.get("fill", 0), padding_mode=s.get("padding_mode", "constant"), pad_if_needed=s.get("pad_if_needed", False))
    if op == "center_crop":
        return T.CenterCrop(s["size"])
    if op == "random_rotation":
        return T.RandomRotation(s["degrees"])
    if op == "color_jitter":
        return T.ColorJitter(**{k: s.get(k, 0) for k in ("brightness", "contrast", "saturation", "hue")})
    if op == "gaussian_blur":
        return T.GaussianBlur(s["kernel_size"], tuple(s.get("sigma", (0.1, 2.0))))
    if op == "random_affine":
        return T.RandomAffine(s["degrees"], translate=s.get("translate"), scale=s.get("scale"), shear=s.get("shear"), fill=s.get("fill", 0))
    if op == "random_choice":
        return T.RandomChoice([transform(c) for c in s["choices"]])
    if op == "random_apply":
        return T.RandomApply([transform(c) for c in s["chain"]], p=s.get("p", 0.5))
    raise SystemExit(f"augmentation op '{op}' has no torchvision mapping here: add it to transform()")


def chain(pipeline, name):
    """A named chain on PIL images, then ToTensor (uint8 / 255, as the engine's pixels)."""
    return T.Compose([*(transform(s) for s in (pipeline["augment"][name] if name else [])), T.ToTensor()])


# ---- data: the tree as ImageFolder reads it ----

def rgb(path):
    with open(path, "rb") as f:
        return Image.open(f).convert("RGB")


def listing(root, split):
    wnids = sorted(l.strip() for l in open(os.path.join(root, "wnids.txt")) if l.strip())
    cls = {w: i for i, w in enumerate(wnids)}
    if split == "train":
        items = []
        for w in wnids:
            d = os.path.join(root, "train", w, "images")
            items += [(os.path.join(d, f), cls[w]) for f in sorted(os.listdir(d)) if f.lower().endswith((".jpeg", ".jpg", ".png"))]
        return items
    items, seen = [], set()
    for line in open(os.path.join(root, "val", "val_annotations.txt")):
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] not in seen:
            seen.add(parts[0])
            items.append((os.path.join(root, "val", "images", parts[0]), cls[parts[1].strip()]))
    return items


def stratified(items, fraction, seed=0):
    """Math.round(fraction * n) of each class, as the engine's takePerClass counts them (halves up,
    where Python's round() would go to even)."""
    by = {}
    for it in items:
        by.setdefault(it[1], []).append(it)
    rng, out = random.Random(seed), []
    for c in sorted(by):
        out += rng.sample(by[c], math.floor(fraction * len(by[c]) + 0.5))
    return out


class Images(Dataset):
    """(input, label) for classify; (corrupt(x), x) for reconstruct."""

    def __init__(self, items, tf, corrupt=None, reconstruct=False):
        self.items, self.tf, self.corrupt, self.reconstruct = items, tf, corrupt, reconstruct

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        path, label = self.items[i]
        x = self.tf(rgb(path))
        if self.reconstruct:
            return (self.corrupt(x) if self.corrupt else x), x
        return (self.corrupt(x) if self.corrupt else x), label


def source(pipeline, sel, root, split_items, reconstruct, corrupt):
    """One selection of the YAML (a split, or a concat of them) as a Dataset."""
    if "concat" in sel:
        return ConcatDataset([source(pipeline, s, root, split_items, reconstruct, corrupt) for s in sel["concat"]])
    items = split_items(sel["split"])
    if sel.get("fraction", 1) != 1:
        if not sel.get("stratified"):
            raise SystemExit("only stratified fractions are mapped here")
        items = stratified(items, sel["fraction"])
    return Images(items, chain(pipeline, sel.get("augment")), corrupt, reconstruct)


# ---- the run ----

def optimiser(o, params):
    kw = {"lr": o["lr"], "weight_decay": o.get("weight_decay", 0)}
    if o["type"] == "sgd":
        return torch.optim.SGD(params, momentum=o.get("momentum", 0), nesterov=o.get("nesterov", False), **kw)
    if o["type"] == "adam":
        return torch.optim.Adam(params, eps=o.get("eps", 1e-8), **kw)
    if o["type"] == "rmsprop":
        return torch.optim.RMSprop(params, alpha=o.get("alpha", 0.99), eps=o.get("eps", 1e-8), momentum=o.get("momentum", 0), **kw)
    raise SystemExit(f"optimizer {o['type']} has no mapping here")


def batches(loader):
    while True:
        yield from loader


def peak_rss_mb(who):
    return resource.getrusage(who).ru_maxrss / 1024


def run(a):
    with open(os.path.join(REPO, "pipelines", f"{a.pipeline}.yaml")) as f:
        pipeline = yaml.safe_load(f)
    if a.stage not in pipeline["stages"]:
        raise SystemExit(f"{a.pipeline} has no stage '{a.stage}' (it has {', '.join(pipeline['stages'])})")
    stage = pipeline["stages"][a.stage]
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    random.seed(0)
    cl = torch.channels_last
    model = MODELS[a.pipeline][stage["model"]]().to(memory_format=cl)
    opt = optimiser(stage["optimizer"], model.parameters())
    reconstruct = stage["kind"] == "reconstruct"
    corrupt = T.Compose([Cutout(**{k: v for k, v in s.items() if k != "op"}) for s in pipeline["augment"][stage["corrupt"]]]) if stage.get("corrupt") else None
    cache = {}
    split_items = lambda split: cache.setdefault(split, listing(a.data, split))
    train_set = source(pipeline, stage["train"], a.data, split_items, reconstruct, corrupt)
    opts = {"batch_size": stage["batch_size"], "num_workers": a.workers, "persistent_workers": a.workers > 0}
    train = DataLoader(train_set, shuffle=True, drop_last=False, **opts)
    val = DataLoader(source(pipeline, stage["val"], a.data, split_items, False, None), shuffle=False, **opts) if "val" in stage else None
    loss_fn = nn.MSELoss() if reconstruct else nn.CrossEntropyLoss()

    # The data path alone: batches assembled (decode, augmentation, collation), nothing stepped.
    it, images = batches(train), 0
    for i in range(a.warmup + a.steps):
        if i == a.warmup:
            t, images = time.perf_counter(), 0
        images += next(it)[0].shape[0]
    data_img_s = images / (time.perf_counter() - t)

    model.train()
    images = 0
    for i in range(a.warmup + a.steps):
        if i == a.warmup:
            t, images = time.perf_counter(), 0
        x, y = next(it)
        x = x.to(memory_format=cl)
        if reconstruct:
            y = y.to(memory_format=cl)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        images += x.shape[0]
        if not torch.isfinite(loss):
            raise SystemExit(f"the loss became {loss.item()}")
    step_img_s = images / (time.perf_counter() - t)

    val_s, val_images = None, None
    if val is not None:
        model.eval()
        val_images = 0
        t = time.perf_counter()
        with torch.no_grad():
            for b, (x, y) in enumerate(val):
                if a.val_batches and b == a.val_batches:
                    break
                val_images += x.shape[0]
                out = model(x.to(memory_format=cl))
                loss_fn(out, y).item()
                if not reconstruct:
                    (out.argmax(1) == y).sum().item()
        val_s = time.perf_counter() - t
    del it, train, val  # the workers exit, so RUSAGE_CHILDREN counts them
    return {
        "pipeline": a.pipeline, "stage": a.stage, "batch": stage["batch_size"], "parameters": trainable(model),
        "threads": torch.get_num_threads(), "loader_workers": a.workers, "engine": f"pytorch-{torch.__version__}",
        "decode_s": None, "cache_mb": None, "data_img_s": data_img_s, "step_img_s": step_img_s, "steps": a.steps,
        "val_s": val_s, "val_images": val_images,
        "train_items": len(train_set), "train_split_images": len(split_items("train")), "peak_rss_mb": peak_rss_mb(resource.RUSAGE_SELF), "worker_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pipeline", choices=sorted(STAGES))
    p.add_argument("--stage")
    p.add_argument("--data", help="a Tiny ImageNet tree")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--val-batches", type=int, default=0, help="time the val pass over its first N batches only (0: all)")
    p.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1), help="DataLoader workers")
    p.add_argument("--parameters", action="store_true", help="print every model's trainable parameters and stop")
    a = p.parse_args()
    if a.parameters:
        print(json.dumps({pl: {m: trainable(build()) for m, build in ms.items()} for pl, ms in MODELS.items()}))
        return
    if not (a.pipeline and a.stage and a.data):
        p.error("--pipeline, --stage and --data are needed (or --parameters)")
    if not os.path.isfile(os.path.join(a.data, "wnids.txt")):
        p.error(f"--data {a.data}: no wnids.txt, not a Tiny ImageNet tree")
    if a.steps < 1 or a.warmup < 0 or a.threads < 1 or a.workers < 0 or a.val_batches < 0:
        p.error("--steps and --threads must be >= 1, --warmup, --workers and --val-batches >= 0")
    print(json.dumps(run(a)))


if __name__ == "__main__":
    sys.exit(main())

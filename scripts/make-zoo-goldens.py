#!/usr/bin/env python3
"""torchvision's classifiers as pipe sees them: goldens for test/zoo, and weights for the import.

  /usr/bin/python3 scripts/make-zoo-goldens.py [MODEL...]
      writes test/fixtures/zoo/<model>.json for every classifier of torchvision 0.14 (or those
      named): trainable parameters and MACs with 1000 and 10 classes, every leaf module's
      output shapes at 64x64 and 224x224, keyed by module path, and the modules that hold
      parameters. A size a model cannot take (the
      error torchvision raises) is recorded as such, so the tests can say what is left.
  /usr/bin/python3 scripts/make-zoo-goldens.py --weights DIR [--size S] [--num-classes N] MODEL...
      writes DIR/<model>.safetensors (the state_dict after torch.manual_seed(0), with every
      BatchNorm's running statistics drawn so eval-mode BN is really exercised) and
      DIR/<model>.io.safetensors (`input`, a fixed [2, 3, S, S] batch in NCHW, and `logits`, the
      model's eval-mode output on it). Too large to commit: test/zoo runs this at test time.

Counting, as pipe counts (src/graph/ops/*.ts infer()): parameters are sum(p.numel()) (BN's
running statistics are buffers, not parameters); MACs are Conv2d's out_h * out_w * out_c *
(in_c / groups) * kh * kw, ConvTranspose2d's in_h * in_w * in_c * (out_c / groups) * kh * kw and
Linear's in * out per output row, summed over every call of the module; everything else
(BatchNorm, pooling, activations, adds, multiplies) counts 0. Matrix products done without a
Linear module (the attention of vit/swin/maxvit) are not counted: those families are recorded
to list what is left, not because pipe writes them.

Shapes are computed on PyTorch's meta device (no arithmetic, no weights in memory), so the largest
models (regnet_y_128gf, vit_h_14) cost milliseconds. Shapes are as PyTorch gives them, without
the batch axis: [C, H, W] for images, [F] for flat tensors; the test turns them into pipe's
[H, W, C]. A module called several times (ResNet's one `relu` per block) lists each distinct
shape it produced, in call order.

The safetensors format (https://github.com/huggingface/safetensors) is written here by hand
(8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, the raw
little-endian bytes): Debian packages torch and torchvision but not the safetensors package.
"""
import argparse, json, os, struct, sys, warnings

import torch
import torch.nn as nn
import torchvision
import torchvision.models as tvm

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "zoo")
SIZES = (64, 224)
CLASSES = (1000, 10)

# Every image classifier builder of torchvision 0.14 (torchvision.models, not its detection,
# segmentation, video, optical-flow or quantization sub-packages).
MODELS = [
    "alexnet",
    "convnext_tiny", "convnext_small", "convnext_base", "convnext_large",
    "densenet121", "densenet161", "densenet169", "densenet201",
    "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
    "efficientnet_b4", "efficientnet_b5", "efficientnet_b6", "efficientnet_b7",
    "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l",
    "googlenet", "inception_v3",
    "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3",
    "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_small",
    "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf", "regnet_y_3_2gf", "regnet_y_8gf",
    "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf",
    "regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf", "regnet_x_8gf",
    "regnet_x_16gf", "regnet_x_32gf",
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
    "wide_resnet50_2", "wide_resnet101_2",
    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
    "squeezenet1_0", "squeezenet1_1",
    "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
    "vit_b_16", "vit_b_32", "vit_l_16", "vit_l_32", "vit_h_14",
    "swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s", "swin_v2_b",
    "maxvit_t",
]

# Builders whose defaults differ from what a classifier from scratch means: GoogLeNet and
# Inception v3 build auxiliary heads and transform their input unless told not to.
EXTRA = {"googlenet": {"aux_logits": False, "init_weights": True}, "inception_v3": {"aux_logits": False, "init_weights": True}}


def build(name, num_classes):
    return getattr(tvm, name)(weights=None, num_classes=num_classes, **EXTRA.get(name, {})).eval()


class NoInit:
    """Skips torch.nn.init while building: the shapes do not depend on the values, and the
    largest models then build in milliseconds without touching their memory."""

    NAMES = ["uniform_", "normal_", "trunc_normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_", "zeros_", "ones_", "constant_", "orthogonal_"]

    def __enter__(self):
        self.saved = {n: getattr(nn.init, n) for n in self.NAMES}
        for n in self.NAMES:
            setattr(nn.init, n, lambda t, *a, **k: t)

    def __exit__(self, *exc):
        for n, f in self.saved.items():
            setattr(nn.init, n, f)


def macs_of(module, inputs, output):
    if not isinstance(output, torch.Tensor):
        return 0
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return output[0].numel() * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, nn.ConvTranspose2d):
        kh, kw = module.kernel_size
        return inputs[0][0].numel() * (module.out_channels // module.groups) * kh * kw
    if isinstance(module, nn.Linear):
        return output[0].numel() * module.in_features
    return 0


def trace(model, size):
    """Leaf module path -> distinct output shapes in call order; total MACs; output shape."""
    shapes, total = {}, [0]

    def hook(path):
        def record(module, inputs, output):
            total[0] += macs_of(module, inputs, output)
            if isinstance(output, torch.Tensor):
                s = list(output.shape[1:])
                seen = shapes.setdefault(path, [])
                if s not in seen:
                    seen.append(s)
        return record

    handles = [m.register_forward_hook(hook(p)) for p, m in model.named_modules() if p and not any(True for _ in m.children())]
    try:
        with torch.no_grad():
            out = model(torch.empty(1, 3, size, size, device="meta"))
    finally:
        for h in handles:
            h.remove()
    return shapes, total[0], list(out.shape[1:])


def golden(name):
    record = {"model": name, "torch": torch.__version__, "torchvision": torchvision.__version__, "params": {}, "sizes": {}}
    for classes in CLASSES:
        with NoInit():
            model = build(name, classes).to("meta")
        record["params"][str(classes)] = sum(p.numel() for p in model.parameters())
        # Modules with parameters of their own: each must be a node of pipe's model.
        record["weighted"] = [p for p, m in model.named_modules() if any(True for _ in m.parameters(recurse=False))]
        for size in SIZES:
            at = record["sizes"].setdefault(str(size), {"macs": {}})
            try:
                shapes, macs, out = trace(model, size)
            except Exception as e:  # the size is too small (inception_v3 at 64) or fixed (vit at 224 only)
                at.pop("macs", None)
                at["error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"
                continue
            at["macs"][str(classes)] = macs
            if classes == 1000:
                at["output"] = out
                at["shapes"] = shapes
    return record


def write_goldens(names):
    os.makedirs(OUT, exist_ok=True)
    for name in names:
        r = golden(name)
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(r, f, separators=(",", ":"))
            f.write("\n")
        sizes = ", ".join(f"{s}: {'error' if 'error' in v else v['macs']['1000']}" for s, v in r["sizes"].items())
        print(f"{name}: {r['params']['1000']:,} params; MACs {sizes}", flush=True)


DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def save_safetensors(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header with spaces to an 8-byte boundary
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


def write_weights(out, names, size, classes):
    os.makedirs(out, exist_ok=True)
    for name in names:
        torch.manual_seed(0)
        model = build(name, classes)
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats:
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                if m.affine:  # torchvision initialises gamma 1 and beta 0: draw them too
                    m.weight.data.uniform_(0.5, 1.5)
                    m.bias.data.uniform_(-0.5, 0.5)
        x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            logits = model(x)
        meta = {"model": name, "torchvision": torchvision.__version__, "num_classes": str(classes)}
        save_safetensors(os.path.join(out, f"{name}.safetensors"), model.state_dict(), meta)
        save_safetensors(os.path.join(out, f"{name}.io.safetensors"), {"input": x, "logits": logits}, {**meta, "size": str(size)})
        print(f"{name}: {sum(p.numel() for p in model.parameters()):,} params, logits {list(logits.shape)}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", help="models (default: every classifier for goldens)")
    ap.add_argument("--weights", metavar="DIR", help="write weights, input and logits to DIR instead of goldens")
    ap.add_argument("--size", type=int, default=64, help="--weights: input height and width (default 64)")
    ap.add_argument("--num-classes", type=int, default=1000, help="--weights: classes of the head (default 1000)")
    a = ap.parse_args()
    unknown = [m for m in a.models if m not in MODELS]
    if unknown:
        sys.exit(f"unknown model(s): {', '.join(unknown)} (known: {', '.join(MODELS)})")
    if a.weights:
        if not a.models:
            sys.exit("--weights needs the models to write")
        write_weights(a.weights, a.models, a.size, a.num_classes)
    else:
        write_goldens(a.models or MODELS)


if __name__ == "__main__":
    main()

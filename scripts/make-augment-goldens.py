#!/usr/bin/env python3
"""Writes test/fixtures/augment/goldens.json: torchvision's output for fixed parameters.

Each case runs one torchvision.transforms.functional call on a PIL image, as the randomised
transforms do once their parameters are drawn. The tests (test/data/augment/golden.test.ts)
replay every case through src/data/augment/functional without Python.

Needs Debian's python3-torchvision (torchvision 0.14, Pillow 9.4, numpy 1.24):
  /usr/bin/python3 scripts/make-augment-goldens.py
"""
import base64, json, os, sys

import numpy as np
import PIL
import torch
import torchvision
import torchvision.transforms.functional as F
from PIL import Image
from torchvision.transforms import InterpolationMode

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "augment", "goldens.json")
NEAREST, BILINEAR = InterpolationMode.NEAREST, InterpolationMode.BILINEAR


def make_images():
    """Three small images with edges, gradients and noise; odd and non-square sizes on purpose."""
    rng = np.random.RandomState(20240601)

    def rgb(h, w):
        y, x = np.mgrid[0:h, 0:w]
        r = 255 * x / max(w - 1, 1)
        g = 255 * y / max(h - 1, 1)
        b = np.where((x + 2 * y) % 7 < 3, 230, 25)
        img = np.stack([r, g, b], -1) + rng.randint(-20, 21, (h, w, 3))
        img[h // 3 : h // 3 + 3, :, :] = [250, 240, 10]  # a bar: sharp edges for rotations
        return np.clip(img, 0, 255).astype(np.uint8)

    y, x = np.mgrid[0:12, 0:15]
    grey = np.clip(12 * x + 9 * y + rng.randint(-15, 16, (12, 15)), 0, 255).astype(np.uint8)
    grey[5:8, 3:12] = 255
    return {
        "rgb_a": Image.fromarray(rgb(16, 20), "RGB"),
        "rgb_b": Image.fromarray(rgb(13, 11), "RGB"),
        "grey": Image.fromarray(grey, "L"),
    }


def cases():
    """(name, function, params, images): params as they are written in the fixture."""
    rgb = ["rgb_a", "rgb_b"]
    every = rgb + ["grey"]
    out = [
        ("hflip", {}, every),
        ("vflip", {}, every),
        ("crop", {"top": 3, "left": 4, "height": 9, "width": 7}, every),
        ("crop", {"top": -2, "left": 6, "height": 8, "width": 14}, every),
        ("center_crop", {"output_size": [10, 12]}, ["rgb_a"]),
        ("center_crop", {"output_size": [9, 9]}, every),
        ("center_crop", {"output_size": [18, 23]}, every),
        ("pad", {"padding": 3, "fill": 0, "padding_mode": "constant"}, every),
        ("pad", {"padding": [2, 5], "fill": 77, "padding_mode": "constant"}, every),
        ("pad", {"padding": [2, 1, 0, 4], "fill": [10, 200, 30], "padding_mode": "constant"}, rgb),
        ("pad", {"padding": [1, 2, 3, 4], "fill": 0, "padding_mode": "edge"}, every),
        ("pad", {"padding": 4, "fill": 0, "padding_mode": "reflect"}, every),
        ("pad", {"padding": [3, 1, 2, 5], "fill": 0, "padding_mode": "symmetric"}, every),
        # Wider than the image: numpy repeats the reflection.
        ("pad", {"padding": [30, 0, 0, 1], "fill": 0, "padding_mode": "reflect"}, ["rgb_b", "grey"]),
        ("pad", {"padding": [0, 0, 25, 2], "fill": 0, "padding_mode": "symmetric"}, ["rgb_b", "grey"]),
    ]
    for angle, interp in [(17, NEAREST), (17, BILINEAR), (-33.3, NEAREST), (200.5, BILINEAR), (0, NEAREST), (180, NEAREST), (90, NEAREST), (-20, NEAREST), (12.25, BILINEAR)]:
        out.append(("rotate", {"angle": angle, "interpolation": interp.value, "expand": False, "center": None, "fill": 0}, every))
    out += [
        ("rotate", {"angle": 17, "interpolation": "nearest", "expand": False, "center": None, "fill": 200}, every),
        ("rotate", {"angle": -33.3, "interpolation": "bilinear", "expand": False, "center": None, "fill": [255, 0, 128]}, rgb),
        ("rotate", {"angle": 17, "interpolation": "nearest", "expand": False, "center": [3, 5], "fill": 0}, every),
        ("rotate", {"angle": 45, "interpolation": "bilinear", "expand": True, "center": None, "fill": 0}, every),
        ("rotate", {"angle": 90, "interpolation": "nearest", "expand": True, "center": None, "fill": 0}, every),
        ("rotate", {"angle": 270, "interpolation": "nearest", "expand": True, "center": None, "fill": 0}, every),
        ("rotate", {"angle": 100, "interpolation": "nearest", "expand": True, "center": None, "fill": 0}, every),
    ]
    affines = [
        ({"angle": 30, "translate": [2, -3], "scale": 1.1, "shear": [10, 5]}, "nearest", 0, None),
        ({"angle": 30, "translate": [2, -3], "scale": 1.1, "shear": [10, 5]}, "bilinear", 0, None),
        ({"angle": -12.5, "translate": [0, 0], "scale": 0.8, "shear": [0, 0]}, "nearest", 9, None),
        ({"angle": 0, "translate": [3, 1], "scale": 1.0, "shear": [0, 0]}, "nearest", 0, None),
        ({"angle": 0, "translate": [0, 0], "scale": 1.5, "shear": [0, 0]}, "nearest", 0, None),
        ({"angle": 41.7, "translate": [4, -4], "scale": 1.0, "shear": [-13.2, 0]}, "nearest", 0, None),
        ({"angle": -7, "translate": [-1, 2], "scale": 0.9, "shear": [-20, 8]}, "bilinear", 0, [2.5, 7]),
        ({"angle": 5, "translate": [40000, 0], "scale": 1.0, "shear": [0, 0]}, "nearest", 33, None),
    ]
    for params, interp, fill, center in affines:
        out.append(("affine", {**params, "interpolation": interp, "fill": fill, "center": center}, every))
    for k, s in [(3, 0.7), (3, 1.5), (5, 0.7), (5, 1.5), (3, 0.1), (3, 2.0), ([3, 5], [0.5, 1.2])]:
        out.append(("gaussian_blur", {"kernel_size": k, "sigma": s}, every))
    for f in [0.5, 1.3, 0.0, 1.0]:
        out.append(("adjust_brightness", {"brightness_factor": f}, every))
    for f in [0.9, 1.08, 0.95, 0.5, 1.7, 0.0]:
        out.append(("adjust_contrast", {"contrast_factor": f}, every))
    for f in [0.3, 1.6, 0.0]:
        out.append(("adjust_saturation", {"saturation_factor": f}, every))
    for f in [0.1, -0.1, 0.5, -0.5, 0.03, -0.27]:
        out.append(("adjust_hue", {"hue_factor": f}, every))
    for size, interp in [([10, 13], "bilinear"), ([31, 27], "bilinear"), (8, "bilinear"), ([16, 7], "bilinear"), ([5, 30], "bilinear"), ([10, 13], "nearest"), ([33, 40], "nearest"), (12, "nearest")]:
        out.append(("resize", {"size": size, "interpolation": interp}, every))
    out.append(("normalize", {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}, rgb))
    out.append(("normalize", {"mean": [0.5], "std": [0.25]}, ["grey"]))
    return out


def run(fn, p, img):
    if fn == "hflip":
        return F.hflip(img)
    if fn == "vflip":
        return F.vflip(img)
    if fn == "crop":
        return F.crop(img, p["top"], p["left"], p["height"], p["width"])
    if fn == "center_crop":
        return F.center_crop(img, p["output_size"])
    if fn == "pad":
        return F.pad(img, p["padding"], fill=p["fill"], padding_mode=p["padding_mode"])
    if fn == "rotate":
        return F.rotate(img, p["angle"], InterpolationMode(p["interpolation"]), p["expand"], p["center"], p["fill"])
    if fn == "affine":
        return F.affine(img, p["angle"], p["translate"], p["scale"], p["shear"], InterpolationMode(p["interpolation"]), p["fill"], p["center"])
    if fn == "gaussian_blur":
        return F.gaussian_blur(img, p["kernel_size"], p["sigma"])
    if fn == "adjust_brightness":
        return F.adjust_brightness(img, p["brightness_factor"])
    if fn == "adjust_contrast":
        return F.adjust_contrast(img, p["contrast_factor"])
    if fn == "adjust_saturation":
        return F.adjust_saturation(img, p["saturation_factor"])
    if fn == "adjust_hue":
        return F.adjust_hue(img, p["hue_factor"])
    if fn == "resize":
        return F.resize(img, p["size"], InterpolationMode(p["interpolation"]))
    if fn == "normalize":
        return F.normalize(F.to_tensor(img), p["mean"], p["std"]).permute(1, 2, 0).contiguous()
    raise ValueError(fn)


def encode(out):
    if isinstance(out, torch.Tensor):  # normalize: float32 HWC
        a = out.numpy().astype("<f4")
        return {"height": a.shape[0], "width": a.shape[1], "channels": a.shape[2], "dtype": "float32", "data": base64.b64encode(a.tobytes()).decode()}
    a = np.asarray(out)
    c = 1 if a.ndim == 2 else a.shape[2]
    return {"height": a.shape[0], "width": a.shape[1], "channels": c, "dtype": "uint8", "data": base64.b64encode(a.tobytes()).decode()}


def main():
    images = make_images()
    golden = {
        "generator": "scripts/make-augment-goldens.py",
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__, "torchvision": torchvision.__version__, "pillow": PIL.__version__, "numpy": np.__version__},
        "images": {name: encode(img) for name, img in images.items()},
        "cases": [],
    }
    for fn, params, names in cases():
        for name in names:
            golden["cases"].append({"fn": fn, "image": name, "params": params, "expected": encode(run(fn, params, images[name]))})
    with open(OUT, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(golden['cases'])} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()

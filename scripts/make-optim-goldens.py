#!/usr/bin/env python3
"""Writes test/fixtures/optim/{optimizers,schedules}.json: torch.optim's own numbers.

optimizers.json: for each optimiser and a grid of its options, two small float32 parameter
tensors driven for 50 steps by the gradient of a quadratic loss, g_t = a * (p - c) + s_t * b (so
each step depends on the last and errors compound; s_t changes sign so moment estimates see sign
flips). The optimum c is at least 1 away from 0 and the start within 60% of it, so the parameters stay
where float32 keeps 7 digits: near 0 the comparison would measure rounding noise (torch's float32 run itself differs
from a float64 one by 1e-4 relative there). The lr halves at steps 20 and 40 in the `decay` cases, as a schedule would. The
parameters are stored after the steps in SNAPSHOTS.

schedules.json: for each schedule and options (in the pipeline's YAML form, PyTorch's names),
the lr in force for each epoch (each batch for cyclic) when scheduler.step() is called once per
epoch (batch) after optimizer.step(), as the training loop does; reduce_on_plateau steps with a
fixed metric series.

The tests (test/train/) replay every case through src/train without Python. Needs Debian's
python3-torch (torch 1.13):
  /usr/bin/python3 scripts/make-optim-goldens.py
"""
import json, math, os, sys, warnings

import torch
from torch.optim import lr_scheduler as S

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "optim")
STEPS = 50
SNAPSHOTS = [1, 2, 3, 5, 10, 20, 30, 40, 50]

# torch warns that step(0) (what SequentialLR does at a milestone) is deprecated: it is still torch.
warnings.filterwarnings("ignore", category=UserWarning)


def f32(t):
    """Shortest decimal that reads back as the same float32."""
    return [float(repr(v)) for v in t.detach().numpy().astype("float32").reshape(-1)]


def optimizer_cases():
    sgd = [
        {"lr": 0.1},
        {"lr": 0.05, "momentum": 0.9},
        {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
        {"lr": 0.1, "weight_decay": 0.05},
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        {"lr": 0.1, "momentum": 0.5, "dampening": 0.1, "weight_decay": 5e-4},
        {"lr": 0.1, "momentum": 0.9, "weight_decay": 2e-4, "decay": True},
    ]
    adam = [
        {"lr": 0.05},
        {"lr": 0.05, "betas": [0.8, 0.99]},
        {"lr": 0.05, "eps": 0.1},
        {"lr": 0.05, "weight_decay": 0.1},
        {"lr": 0.05, "amsgrad": True},
        {"lr": 0.05, "amsgrad": True, "weight_decay": 0.05, "betas": [0.5, 0.9]},
        {"lr": 0.05, "weight_decay": 3e-4, "decay": True},
    ]
    adamw = [
        {"lr": 0.05},
        {"lr": 0.05, "weight_decay": 0.5},
        {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True},
        {"lr": 0.05, "weight_decay": 0.1, "betas": [0.7, 0.95], "eps": 0.01},
        {"lr": 0.05, "weight_decay": 0.1, "decay": True},
    ]
    rmsprop = [
        {"lr": 0.01},
        {"lr": 0.05, "alpha": 0.9, "eps": 1.0, "weight_decay": 2e-4},
        {"lr": 0.01, "centered": True},
        {"lr": 0.01, "momentum": 0.9},
        {"lr": 0.01, "momentum": 0.5, "centered": True, "alpha": 0.9},
        {"lr": 0.01, "weight_decay": 0.1, "eps": 0.01},
        {"lr": 0.02, "alpha": 0.95, "momentum": 0.3, "decay": True},
    ]
    for name, grid in [("sgd", sgd), ("adam", adam), ("adamw", adamw), ("rmsprop", rmsprop)]:
        for options in grid:
            yield name, options


def make_optimizer(name, params, options):
    kw = {k: v for k, v in options.items() if k != "decay"}
    if "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "rmsprop": torch.optim.RMSprop}[name]
    # foreach=False: the per-tensor loop, torch 1.13's default on the CPU, stated so it stays so.
    return cls(params, foreach=False, **kw)


def problem():
    """Initial parameters and the loss's coefficients, exactly representable in the fixture."""
    g = torch.Generator().manual_seed(20240611)

    def draw(shape, lo, hi):
        return torch.tensor(f32(torch.rand(shape, generator=g) * (hi - lo) + lo)).reshape(shape)

    shapes = [[2, 3], [4]]
    signs = [torch.tensor([1.0, -1.0]).repeat(6)[: math.prod(s)].reshape(s) for s in shapes]
    c = [draw(s, 1.0, 2.0) * sign for s, sign in zip(shapes, signs)]
    return {
        "shapes": shapes,
        # Within 60% of the optimum: the path never crosses 0, even when momentum overshoots.
        "init": [torch.tensor(f32(ci * draw(s, 0.4, 1.6))).reshape(s) for s, ci in zip(shapes, c)],
        "a": [draw(s, 0.2, 3.0) for s in shapes],
        "b": [draw(s, -1.0, 1.0) for s in shapes],
        "c": c,
    }


def grad_scale(t):
    """s_t for step t (1-based): -0.75, -0.5, ..., 0.75, repeating; exact in float32."""
    return ((t % 7) - 3) / 4


def lr_at(options, t):
    return options["lr"] * (0.5 ** ((t - 1) // 20) if options.get("decay") else 1.0)


def run_optimizer(name, options, prob):
    params = [p.clone().requires_grad_(True) for p in prob["init"]]
    opt = make_optimizer(name, params, options)
    snaps = []
    for t in range(1, STEPS + 1):
        opt.param_groups[0]["lr"] = lr_at(options, t)
        with torch.no_grad():
            for p, a, b, c in zip(params, prob["a"], prob["b"], prob["c"]):
                p.grad = a * (p - c) + grad_scale(t) * b
        opt.step()
        if t in SNAPSHOTS:
            snaps.append({"step": t, "params": [f32(p) for p in params]})
    return snaps


# --- schedules ---------------------------------------------------------------------------------

def make_scheduler(opt, cfg):
    t = cfg["type"]
    if t == "constant":
        return S.LambdaLR(opt, lambda e: 1.0)
    if t == "step":
        return S.StepLR(opt, cfg["step_size"], cfg.get("gamma", 0.1))
    if t == "multistep":
        return S.MultiStepLR(opt, cfg["milestones"], cfg.get("gamma", 0.1))
    if t == "exponential":
        return S.ExponentialLR(opt, cfg["gamma"])
    if t == "cosine":
        return S.CosineAnnealingLR(opt, cfg["T_max"], cfg.get("eta_min", 0))
    if t == "linear":
        return S.LinearLR(opt, cfg.get("start_factor", 1 / 3), cfg.get("end_factor", 1.0), cfg.get("total_iters", 5))
    if t == "manual":
        # The engine's own table, as torch would run it: base_lr * (table value / base_lr).
        base = opt.param_groups[0].get("initial_lr", opt.param_groups[0]["lr"])
        table = sorted((int(k), v) for k, v in cfg["lr_at"].items())
        return S.LambdaLR(opt, lambda e: ([v for k, v in table if k <= e] or [base])[-1] / base)
    if t == "cyclic":
        return S.CyclicLR(opt, cfg["base_lr"], cfg["max_lr"], cfg.get("step_size_up", 2000), cfg.get("step_size_down"),
                          cfg.get("mode", "triangular"), cfg.get("gamma", 1.0), cycle_momentum=False)
    if t == "reduce_on_plateau":
        kw = {k: cfg[k] for k in ["mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps"] if k in cfg}
        return S.ReduceLROnPlateau(opt, **kw)
    if t == "sequential":
        return S.SequentialLR(opt, [make_scheduler(opt, c) for c in cfg["schedules"]], cfg["milestones"])
    raise ValueError(t)


# A metric that falls, stalls, wobbles within the rel threshold, falls again, then rises.
LOSS = [2.0, 1.5, 1.2, 1.1, 1.1, 1.1001, 1.0999, 1.1, 1.2, 1.05, 1.04, 1.04, 1.04, 1.04, 1.03999,
        1.04, 0.9, 0.85, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96]
TOP1 = [0.1, 0.2, 0.3, 0.35, 0.35, 0.36, 0.36, 0.36, 0.355, 0.36, 0.4, 0.41, 0.41, 0.41, 0.41, 0.41,
        0.41, 0.42, 0.42, 0.42, 0.42, 0.42, 0.42, 0.43, 0.43, 0.43, 0.43, 0.43, 0.43, 0.43]


def schedule_cases():
    """(name, config, base lr, epochs or steps, metric series or None)."""
    yield "constant", {"type": "constant"}, 0.1, 8, None
    yield "step", {"type": "step", "step_size": 3, "gamma": 0.5}, 0.1, 12, None
    yield "step-inception", {"type": "step", "step_size": 1, "gamma": 0.9}, 0.05, 52, None
    yield "multistep", {"type": "multistep", "milestones": [2, 5, 9], "gamma": 0.1}, 0.1, 12, None
    # torch keeps a Counter: a milestone listed twice decays twice, and the order does not matter.
    yield "multistep-repeated", {"type": "multistep", "milestones": [4, 4, 8], "gamma": 0.5}, 0.1, 12, None
    yield "multistep-unsorted", {"type": "multistep", "milestones": [7, 2, 7, 3], "gamma": 0.3}, 0.2, 10, None
    yield "exponential", {"type": "exponential", "gamma": 0.9}, 0.01, 40, None
    yield "cosine", {"type": "cosine", "T_max": 10, "eta_min": 0}, 0.1, 35, None
    yield "cosine-eta-min", {"type": "cosine", "T_max": 7, "eta_min": 1e-4}, 0.01, 30, None
    yield "linear-warmup", {"type": "linear", "start_factor": 1 / 3, "end_factor": 1.0, "total_iters": 5}, 0.1, 10, None
    yield "linear-decay", {"type": "linear", "start_factor": 1.0, "end_factor": 0.05, "total_iters": 6}, 0.1, 10, None
    yield "manual", {"type": "manual", "lr_at": {"3": 0.05, "6": 0.01, "7": 0.02}}, 0.1, 10, None
    yield "manual-from-0", {"type": "manual", "lr_at": {"0": 0.3, "4": 0.03}}, 0.1, 8, None
    yield "cyclic-triangular", {"type": "cyclic", "base_lr": 1e-3, "max_lr": 1e-2, "step_size_up": 5, "mode": "triangular"}, 0.5, 42, None
    yield "cyclic-triangular2", {"type": "cyclic", "base_lr": 1e-5, "max_lr": 1e-4, "step_size_up": 4, "step_size_down": 3, "mode": "triangular2"}, 1e-4, 40, None
    yield "cyclic-exp-range", {"type": "cyclic", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 6, "mode": "exp_range", "gamma": 0.97}, 0.1, 45, None
    plateau = {"type": "reduce_on_plateau", "mode": "min", "factor": 0.1, "patience": 10, "threshold": 1e-4,
               "threshold_mode": "rel", "cooldown": 0, "min_lr": 0, "eps": 1e-8}
    yield "plateau-min-rel", {**plateau, "patience": 2}, 0.1, len(LOSS), LOSS
    yield "plateau-min-abs-cooldown", {**plateau, "patience": 1, "threshold": 0.01, "threshold_mode": "abs", "cooldown": 2, "factor": 0.5}, 0.1, len(LOSS), LOSS
    yield "plateau-max-rel-min-lr", {**plateau, "monitor": "val_top1", "mode": "max", "patience": 0, "min_lr": 2e-3, "factor": 0.3}, 0.1, len(TOP1), TOP1
    yield "plateau-max-abs-eps", {**plateau, "monitor": "val_top1", "mode": "max", "patience": 1, "threshold": 0.005, "threshold_mode": "abs", "eps": 1e-3, "factor": 0.5}, 0.01, len(TOP1), TOP1
    yield "sequential-warmup-cosine", {"type": "sequential", "milestones": [3], "schedules": [
        {"type": "linear", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 3}, {"type": "cosine", "T_max": 8, "eta_min": 0}]}, 0.1, 14, None
    yield "sequential-three", {"type": "sequential", "milestones": [2, 6], "schedules": [
        {"type": "exponential", "gamma": 0.5}, {"type": "step", "step_size": 2, "gamma": 0.5}, {"type": "multistep", "milestones": [1, 3], "gamma": 0.1}]}, 0.1, 12, None
    yield "sequential-manual-constant", {"type": "sequential", "milestones": [4, 7], "schedules": [
        {"type": "linear", "start_factor": 0.5, "end_factor": 0.5, "total_iters": 2}, {"type": "manual", "lr_at": {"1": 0.02}}, {"type": "constant"}]}, 0.1, 10, None


def run_schedule(cfg, base_lr, n, metrics):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make_scheduler(opt, cfg)
    lrs = []
    for i in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()  # no gradient: a no-op, called so torch sees the usual order
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
    return lrs


def main():
    os.makedirs(OUT, exist_ok=True)
    versions = {"python": sys.version.split()[0], "torch": torch.__version__}
    prob = problem()
    optimizers = {
        "generator": "scripts/make-optim-goldens.py",
        "versions": versions,
        "steps": STEPS,
        "shapes": prob["shapes"],
        "init": [f32(t) for t in prob["init"]],
        "a": [f32(t) for t in prob["a"]],
        "b": [f32(t) for t in prob["b"]],
        "c": [f32(t) for t in prob["c"]],
        "cases": [{"type": name, "options": options, "snapshots": run_optimizer(name, options, prob)}
                  for name, options in optimizer_cases()],
    }
    schedules = {
        "generator": "scripts/make-optim-goldens.py",
        "versions": versions,
        "cases": [{"name": name, "config": cfg, "base_lr": base, "metrics": metrics,
                   ("per_step" if cfg["type"] == "cyclic" else "per_epoch"): run_schedule(cfg, base, n, metrics)}
                  for name, cfg, base, n, metrics in schedule_cases()],
    }
    for file, data in [("optimizers.json", optimizers), ("schedules.json", schedules)]:
        path = os.path.join(OUT, file)
        with open(path, "w") as f:
            json.dump(data, f, separators=(",", ":"))
            f.write("\n")
        print(f"wrote {len(data['cases'])} cases to {os.path.normpath(path)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()

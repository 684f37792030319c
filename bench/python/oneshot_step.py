#!/usr/bin/python3
"""PyTorch-Python reference for torchnas's one-shot elastic supernet training step.

Builds the elastic supernet (all weights at their largest) from a torchnas spec and runs the
same sequence of optimizer steps as the native trainer: per step, every listed subnet does a
forward pass and a backward pass (the first one, the teacher, with cross-entropy; the others
distilled from the teacher's logits), then gradient clipping and Nesterov SGD. A TypeScript
bench compares the steps/second printed here with torchnas's.

Run with Debian's interpreter (python3-torch):
  /usr/bin/python3 bench/python/oneshot_step.py <config.json>   # prints one JSON line
  /usr/bin/python3 bench/python/oneshot_step.py --selftest      # elastic slicing vs nn nets
"""

import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

WARMUP_ITERS = 2  # untimed optimizer steps at the start of the run

ACTS = {
    "relu": F.relu,
    "relu6": F.relu6,
    "hswish": lambda x: x * F.relu6(x + 3.0) / 6.0,
    "swish": lambda x: x * torch.sigmoid(x),
    "none": lambda x: x,
}


def activation(name):
    if name not in ACTS:
        raise ValueError(f"unknown activation {name!r}")
    return ACTS[name]


def se_channels(in_c, ratio):
    """SE bottleneck width: max(1, lround(in_c * ratio)), rounding half away from zero."""
    return max(1, int(math.floor(in_c * ratio + 0.5)))


def bn_sliced(bn, x, n):
    """BatchNorm over the first n channels of a (larger) BatchNorm2d's parameters and stats."""
    return F.batch_norm(x, bn.running_mean[:n], bn.running_var[:n], bn.weight[:n], bn.bias[:n],
                        bn.training, bn.momentum, bn.eps)


# ---------------------------------------------------------------- fixed stem/head blocks

class ConvBNAct(nn.Module):
    def __init__(self, blk):
        super().__init__()
        k = blk.get("kernel", 1)
        self.stride = blk.get("stride", 1)
        self.conv = nn.Conv2d(blk["in"], blk["out"], k, self.stride, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(blk["out"])
        self.act = activation(blk.get("act", "none"))

    def forward(self, x, in_c=None):
        w = self.conv.weight if in_c is None else self.conv.weight[:, :in_c]
        return self.act(self.bn(F.conv2d(x, w, None, self.stride, self.conv.padding)))


class LinearAct(nn.Module):
    def __init__(self, blk):
        super().__init__()
        self.fc = nn.Linear(blk["in"], blk["out"])
        self.act = activation(blk.get("act", "none"))

    def forward(self, x, in_c=None):
        w = self.fc.weight if in_c is None else self.fc.weight[:, :in_c]
        return self.act(F.linear(x, w, self.fc.bias))


class GlobalPool(nn.Module):
    def forward(self, x):
        return x.mean((2, 3))


class Dropout(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)


def make_fixed_block(blk):
    op = blk.get("op")
    if op == "conv":
        return ConvBNAct(blk)
    if op == "linear":
        return LinearAct(blk)
    if op == "gap":
        return GlobalPool()
    if op == "dropout":
        return Dropout(blk.get("p", 0.0))
    raise ValueError(f"unsupported stem/head op {op!r}")


# ---------------------------------------------------------------- elastic supernet

class ElasticMBConv(nn.Module):
    """MBConv holding its largest weights; forward() runs a chosen (width, kernel, expand)."""

    def __init__(self, in_max, out_max, K, E, stride, se, act):
        super().__init__()
        mid = in_max * E
        self.K, self.stride, self.se_ratio = K, stride, se
        self.act = activation(act)
        if E != 1:
            self.pw, self.pw_bn = nn.Conv2d(in_max, mid, 1, bias=False), nn.BatchNorm2d(mid)
        self.dw = nn.Conv2d(mid, mid, K, stride, K // 2, groups=mid, bias=False)
        self.dw_bn = nn.BatchNorm2d(mid)
        if se > 0:
            r_max = se_channels(in_max, se)
            self.se_r, self.se_e = nn.Conv2d(mid, r_max, 1), nn.Conv2d(r_max, mid, 1)
        self.pwl, self.pwl_bn = nn.Conv2d(mid, out_max, 1, bias=False), nn.BatchNorm2d(out_max)

    def se_gate(self, y, r, mid):
        s = y.mean((2, 3), keepdim=True)
        s = F.relu(F.conv2d(s, self.se_r.weight[:r, :mid], self.se_r.bias[:r]))
        s = F.conv2d(s, self.se_e.weight[:mid, :r], self.se_e.bias[:mid])
        return F.relu6(s + 3.0) / 6.0

    def forward(self, x, w, k, e):
        in_c = x.shape[1]
        mid = int(in_c * e)
        y = x
        if e != 1:
            y = self.act(bn_sliced(self.pw_bn, F.conv2d(x, self.pw.weight[:mid, :in_c]), mid))
        c = (self.K - k) // 2
        w_dw = self.dw.weight[:mid, :, c:c + k, c:c + k]
        y = F.conv2d(y, w_dw, None, self.stride, k // 2, 1, mid)
        y = self.act(bn_sliced(self.dw_bn, y, mid))
        if self.se_ratio > 0:
            y = y * self.se_gate(y, se_channels(in_c, self.se_ratio), mid)
        y = bn_sliced(self.pwl_bn, F.conv2d(y, self.pwl.weight[:w, :mid]), w)
        return y + x if self.stride == 1 and in_c == w else y


def make_stage(st):
    out_max, depth = max(st["widths"]), max(st["depths"])
    K, E = max(st["kernels"]), max(st["expands"])
    return nn.ModuleList(
        ElasticMBConv(st["inMax"] if b == 0 else out_max, out_max, K, E,
                      st["stride"] if b == 0 else 1, st.get("se", 0), st.get("act", "relu"))
        for b in range(depth))


class Supernet(nn.Module):
    def __init__(self, spec):
        super().__init__()
        if not spec["stages"]:
            raise ValueError("spec has no stages")
        self.stem = nn.ModuleList(make_fixed_block(b) for b in spec["stem"])
        self.stages = nn.ModuleList(make_stage(st) for st in spec["stages"])
        self.head = nn.ModuleList(make_fixed_block(b) for b in spec["head"])

    def forward(self, x, subnet):
        res = subnet.get("resolution")
        if res is not None and tuple(x.shape[-2:]) != (res, res):
            x = F.interpolate(x, size=(res, res), mode="bilinear", align_corners=False)
        for blk in self.stem:
            x = blk(x)
        for stage, choice in zip(self.stages, subnet["stages"]):
            for b, (k, e) in enumerate(zip(choice["kernels"], choice["expands"])):
                x = stage[b](x, choice["width"], k, e)
        w_last, sliced = subnet["stages"][-1]["width"], False
        for blk in self.head:
            if not sliced and isinstance(blk, (ConvBNAct, LinearAct)):
                x, sliced = blk(x, w_last), True
            else:
                x = blk(x)
        return x


def check_subnet(spec, subnet):
    if len(subnet["stages"]) != len(spec["stages"]):
        raise ValueError(f"subnet has {len(subnet['stages'])} stages, spec has {len(spec['stages'])}")
    for st, ch in zip(spec["stages"], subnet["stages"]):
        depth = len(ch["kernels"])
        if len(ch["expands"]) != depth or not 1 <= depth <= max(st["depths"]):
            raise ValueError(f"bad subnet stage depth: {ch}")
        if (ch["width"] > max(st["widths"]) or max(ch["kernels"]) > max(st["kernels"])
                or max(ch["expands"]) > max(st["expands"])):
            raise ValueError(f"subnet stage choice outside the supernet: {ch}")


# ---------------------------------------------------------------- training step and timing

def distill_loss(logits, teacher, T):
    soft = F.softmax(teacher / T, dim=1)
    return -(soft * F.log_softmax(logits / T, dim=1)).sum(1).mean() * T * T


def train_step(model, opt, x, y, subnets, T, clip):
    opt.zero_grad(set_to_none=True)
    teacher = None
    for subnet in subnets:
        logits = model(x, subnet)
        if teacher is None:
            loss, teacher = F.cross_entropy(logits, y), logits.detach()
        else:
            loss = distill_loss(logits, teacher, T)
        loss.backward()
    if clip > 0:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()


def set_lr(opt, base_lr, step, warmup):
    lr = base_lr * min(1.0, (step + 1) / warmup) if warmup > 0 else base_lr
    for group in opt.param_groups:
        group["lr"] = lr


def setup(cfg):
    """Model, optimizer and the fixed synthetic batch for a benchmark config."""
    torch.manual_seed(cfg.get("seed", 0))
    if "threads" in cfg:
        torch.set_num_threads(cfg["threads"])
    spec, bs = cfg["spec"], cfg["batchSize"]
    for subnets in cfg["steps"]:
        for subnet in subnets:
            check_subnet(spec, subnet)
    model = Supernet(spec).train()
    h = spec["input"]["height"]
    x = torch.randn(bs, spec["input"]["channels"], h, spec["input"].get("width", h))
    y = torch.randint(0, spec["classes"], (bs,))
    if cfg.get("channelsLast", False):
        model = model.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)  # restrides one-channel input too
    momentum = cfg.get("momentum", 0.0)
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=momentum,
                          nesterov=momentum > 0, weight_decay=cfg.get("weightDecay", 0.0))
    return model, opt, x, y


def run_benchmark(cfg):
    steps = cfg["steps"]
    if len(steps) <= WARMUP_ITERS:
        raise ValueError(f"need more than {WARMUP_ITERS} steps (the first {WARMUP_ITERS} are warm-up)")
    model, opt, x, y = setup(cfg)
    T, clip = cfg.get("temperature", 1.0), cfg.get("clip", 0.0)
    lr, warmup = cfg["lr"], cfg.get("warmupSteps", 0)
    for i, subnets in enumerate(steps[:WARMUP_ITERS]):
        set_lr(opt, lr, i, warmup)
        train_step(model, opt, x, y, subnets, T, clip)
    t0 = time.perf_counter()
    for i in range(WARMUP_ITERS, len(steps)):
        set_lr(opt, lr, i, warmup)
        train_step(model, opt, x, y, steps[i], T, clip)
    seconds = time.perf_counter() - t0
    n = len(steps) - WARMUP_ITERS
    print(json.dumps({"steps": n, "seconds": seconds, "stepsPerSecond": n / seconds,
                      "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "params": sum(p.numel() for p in model.parameters())}))


# ---------------------------------------------------------------- self-test

SELFTEST_SPEC = {
    "input": {"channels": 1, "height": 8}, "classes": 3,
    "stem": [{"op": "conv", "in": 1, "out": 4, "kernel": 3, "stride": 1, "act": "hswish"}],
    "stages": [{"inMax": 4, "widths": [4, 6], "depths": [1, 2], "kernels": [3, 5], "expands": [2, 3],
                "stride": 1, "se": 0.25, "act": "hswish"}],
    "head": [{"op": "conv", "in": 6, "out": 8, "kernel": 1, "stride": 1, "act": "relu"},
             {"op": "gap"}, {"op": "linear", "in": 8, "out": 3, "act": "none"}],
    "resolutions": [8, 6],
}
REF_ACTS = {"relu": nn.ReLU, "hswish": nn.Hardswish}


def copy_conv_bn(seq, weight, bn, n):
    """Copy a sliced conv weight and the first n channels of bn into nn.Sequential(conv, bn, ...)."""
    with torch.no_grad():
        seq[0].weight.copy_(weight)
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(seq[1], name).copy_(getattr(bn, name)[:n])


class RefMBConv(nn.Module):
    """Standalone fixed-size MBConv made of plain torch.nn layers."""

    def __init__(self, in_c, w, k, e, stride, se, act):
        super().__init__()
        mid, r = in_c * e, max(1, math.floor(in_c * se + 0.5))
        self.pw = nn.Sequential(nn.Conv2d(in_c, mid, 1, bias=False), nn.BatchNorm2d(mid), REF_ACTS[act]())
        self.dw = nn.Sequential(nn.Conv2d(mid, mid, k, stride, k // 2, groups=mid, bias=False),
                                nn.BatchNorm2d(mid), REF_ACTS[act]())
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(mid, r, 1), nn.ReLU(),
                                nn.Conv2d(r, mid, 1), nn.Hardsigmoid())
        self.pwl = nn.Sequential(nn.Conv2d(mid, w, 1, bias=False), nn.BatchNorm2d(w))
        self.residual = stride == 1 and in_c == w

    def load_from(self, blk, in_c, w, k, e):
        mid, r, c = in_c * e, self.se[1].out_channels, (blk.K - k) // 2
        copy_conv_bn(self.pw, blk.pw.weight[:mid, :in_c], blk.pw_bn, mid)
        copy_conv_bn(self.dw, blk.dw.weight[:mid, :, c:c + k, c:c + k], blk.dw_bn, mid)
        with torch.no_grad():
            self.se[1].weight.copy_(blk.se_r.weight[:r, :mid])
            self.se[1].bias.copy_(blk.se_r.bias[:r])
            self.se[3].weight.copy_(blk.se_e.weight[:mid, :r])
            self.se[3].bias.copy_(blk.se_e.bias[:mid])
        copy_conv_bn(self.pwl, blk.pwl.weight[:w, :mid], blk.pwl_bn, w)
        return self

    def forward(self, x):
        y = self.dw(self.pw(x))
        y = self.pwl(y * self.se(y))
        return y + x if self.residual else y


def build_reference(net, form):
    """nn.Sequential equal to `net` run in `form` (for SELFTEST_SPEC), with sliced weights copied in."""
    st, ch = SELFTEST_SPEC["stages"][0], form["stages"][0]
    layers = []
    if form["resolution"] != SELFTEST_SPEC["input"]["height"]:
        layers.append(nn.Upsample(size=form["resolution"], mode="bilinear", align_corners=False))
    stem = nn.Sequential(nn.Conv2d(1, 4, 3, 1, 1, bias=False), nn.BatchNorm2d(4), nn.Hardswish())
    copy_conv_bn(stem, net.stem[0].conv.weight, net.stem[0].bn, 4)
    layers.append(stem)
    in_c, w = 4, ch["width"]
    for b, (k, e) in enumerate(zip(ch["kernels"], ch["expands"])):
        ref = RefMBConv(in_c, w, k, e, 1, st["se"], st["act"])
        layers.append(ref.load_from(net.stages[0][b], in_c, w, k, e))
        in_c = w
    head = nn.Sequential(nn.Conv2d(w, 8, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
    copy_conv_bn(head, net.head[0].conv.weight[:, :w], net.head[0].bn, 8)
    fc = nn.Linear(8, 3)
    with torch.no_grad():
        fc.weight.copy_(net.head[2].fc.weight)
        fc.bias.copy_(net.head[2].fc.bias)
    layers += [head, nn.AdaptiveAvgPool2d(1), nn.Flatten(), fc]
    return nn.Sequential(*layers)


def randomize_(net):
    """Non-trivial BN affine params/stats and conv biases, so slicing mistakes show up."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.3)
                m.running_mean.normal_(0.0, 0.3)
                m.running_var.uniform_(0.5, 2.0)
            elif isinstance(m, nn.Conv2d) and m.bias is not None:
                m.bias.normal_(0.0, 0.3)


def selftest():
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)  # both the supernet and the reference nets in float64
    net = Supernet(SELFTEST_SPEC)
    randomize_(net)
    forms = {
        "largest": {"resolution": 8, "stages": [{"width": 6, "kernels": [5, 5], "expands": [3, 3]}]},
        "smallest": {"resolution": 8, "stages": [{"width": 4, "kernels": [3], "expands": [2]}]},
        "mixed": {"resolution": 6, "stages": [{"width": 4, "kernels": [5, 3], "expands": [3, 2]}]},
    }
    x = torch.randn(2, 1, 8, 8, dtype=torch.float64)
    for name, form in forms.items():
        check_subnet(SELFTEST_SPEC, form)
        ref = build_reference(net, form).eval()
        got, want = net.eval()(x, form), ref(x)
        diff = (got - want).abs().max().item()
        if got.shape != want.shape or not diff <= 1e-10:  # NaN fails too
            raise AssertionError(f"selftest {name}: shape {tuple(got.shape)} vs {tuple(want.shape)}, "
                                 f"max |diff| {diff:.3g}")
    print("selftest ok")


def main(argv):
    if len(argv) != 1:
        raise ValueError("usage: oneshot_step.py <config.json> | --selftest")
    if argv[0] == "--selftest":
        selftest()
        return
    with open(argv[0]) as f:
        run_benchmark(json.load(f))


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as exc:  # report any failure as one line on stderr, exit code 2
        print(f"oneshot_step.py: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(2)

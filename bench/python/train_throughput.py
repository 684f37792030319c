#!/usr/bin/python3
"""PyTorch-Python half of the torchnas training-throughput benchmark.

Builds the same network as the native LibTorch addon from a resolved spec.json
(see native/ops/*.cc) and times the same SGD training loop, so images/second
can be compared side by side with the C++ implementation.

Run with Debian's interpreter (python3-torch), not the pyenv python3:
  /usr/bin/python3 bench/python/train_throughput.py --spec spec.json \
      --batch-size 128 --steps 60 --warmup 10 --threads 2 --seed 1 \
      [--channels-last] [--precision fp32|bf16]
  /usr/bin/python3 bench/python/train_throughput.py --spec spec.json --check
"""

import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# Distinct pre-made batches cycled during timing, so no step reuses the
# previous step's input (caches stay honest) while data generation stays
# out of the timed region.
NUM_BATCHES = 4


def apply_act(name, x):
    if name == "none":
        return x
    if name == "relu":
        return F.relu(x)
    if name == "relu6":
        return F.hardtanh(x, 0.0, 6.0)
    if name == "hswish":
        return F.hardswish(x)
    if name == "swish":
        return F.silu(x)
    raise ValueError(f"unknown activation '{name}': use none, relu, relu6, hswish or swish")


class ConvBnAct(nn.Module):
    def __init__(self, cin, cout, kernel, stride=1, groups=1, act="relu"):
        super().__init__()
        if kernel % 2 != 1:
            raise ValueError(f"ConvBnAct: kernel must be odd, got {kernel}")
        apply_act(act, torch.zeros(0))  # validate the name at build time
        self.act = act
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2,
                              groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        # Same init as the native op; irrelevant to speed but keeps numerics comparable.
        nn.init.kaiming_normal_(self.conv.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return apply_act(self.act, self.bn(self.conv(x)))


class SqueezeExcite(nn.Module):
    def __init__(self, channels, reduced):
        super().__init__()
        self.reduce = nn.Conv2d(channels, reduced, 1)
        self.expand = nn.Conv2d(reduced, channels, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        s = self.expand(F.relu(self.reduce(s)))
        return x * F.hardsigmoid(s)


class MBConv(nn.Module):
    def __init__(self, cin, cout, expand, kernel, stride, se, act):
        super().__init__()
        if expand < 1:
            raise ValueError(f"MBConv: expand ratio must be >= 1, got {expand}")
        mid = cin * expand
        self.conv_pw = ConvBnAct(cin, mid, 1, act=act) if expand != 1 else None
        self.conv_dw = ConvBnAct(mid, mid, kernel, stride=stride, groups=mid, act=act)
        self.se = None
        if se > 0:
            # std::lround rounds halves away from zero; Python's round() would
            # round to even and could build a different SE width.
            reduced = max(1, int(math.floor(cin * se + 0.5)))
            self.se = SqueezeExcite(mid, reduced)
        self.conv_pwl = ConvBnAct(mid, cout, 1, act="none")
        self.shortcut = stride == 1 and cin == cout

    def forward(self, x):
        y = self.conv_pw(x) if self.conv_pw is not None else x
        y = self.conv_dw(y)
        if self.se is not None:
            y = self.se(y)
        y = self.conv_pwl(y)
        return y + x if self.shortcut else y


class Zero(nn.Module):
    def __init__(self, cout, stride):
        super().__init__()
        self.cout, self.stride = cout, stride

    def forward(self, x):
        s = self.stride
        h, w = (x.size(2) + s - 1) // s, (x.size(3) + s - 1) // s
        return torch.zeros(x.size(0), self.cout, h, w, dtype=x.dtype, device=x.device)


class Pool(nn.Module):
    def __init__(self, kind, kernel, stride):
        super().__init__()
        self.kind, self.kernel, self.stride = kind, kernel, stride
        self.padding = (kernel - 1) // 2

    def forward(self, x):
        if self.kind == "maxpool":
            return F.max_pool2d(x, self.kernel, self.stride, self.padding)
        return F.avg_pool2d(x, self.kernel, self.stride, self.padding,
                            ceil_mode=False, count_include_pad=False)


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean((2, 3))


def build_block(b):
    op = b["op"]
    if op == "conv":
        return ConvBnAct(b["in"], b["out"], b["kernel"], stride=b.get("stride", 1),
                         act=b.get("act", "relu"))
    if op == "mbconv":
        return MBConv(b["in"], b["out"], b["expand"], b["kernel"], b.get("stride", 1),
                      float(b.get("se", 0.0)), b.get("act", "relu6"))
    if op == "identity":
        return nn.Identity()
    if op == "zero":
        return Zero(b["out"], b.get("stride", 1))
    if op in ("maxpool", "avgpool"):
        return Pool(op, b["kernel"], b.get("stride", 1))
    if op == "gap":
        return GlobalAvgPool()
    if op == "linear":
        return nn.Linear(b["in"], b["out"])
    if op == "dropout":
        return nn.Dropout(b["p"])
    raise ValueError(f"unknown block op '{op}'")


def build_model(spec):
    return nn.Sequential(*[build_block(b) for b in spec["blocks"]])


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--spec", required=True, help="resolved network spec (JSON)")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    p.add_argument("--check", action="store_true", help="only build the model and print its parameter count")
    args = p.parse_args(argv)
    if args.batch_size < 1 or args.steps < 1 or args.warmup < 0 or args.threads < 1:
        p.error("--batch-size, --steps and --threads must be >= 1; --warmup >= 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    with open(args.spec) as f:
        spec = json.load(f)

    torch.manual_seed(args.seed)
    model = build_model(spec)
    params = count_parameters(model)
    if args.check:
        print(json.dumps({"parameters": params}))
        return 0

    torch.set_num_threads(args.threads)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    model.train()

    inp = spec["input"]
    shape = (args.batch_size, inp["channels"], inp["height"], inp["width"])
    batches = [
        (torch.randn(shape).to(memory_format=memory_format),  # to(): restrides a one-channel input too
         torch.randint(0, spec["classes"], (args.batch_size,), dtype=torch.int64))
        for _ in range(NUM_BATCHES)
    ]

    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9,
                                nesterov=True, weight_decay=5e-5)
    use_bf16 = args.precision == "bf16"

    def step(i):
        x, y = batches[i % NUM_BATCHES]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
            logits = model(x)
        # Loss outside autocast, in fp32, as the native side does.
        loss = F.cross_entropy(logits.float(), y, label_smoothing=0.1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    for i in range(args.warmup):
        step(i)

    # CPU ops are synchronous, so wall-clock around the loop needs no sync.
    start = time.perf_counter()
    for i in range(args.steps):
        loss = step(args.warmup + i)
    seconds = time.perf_counter() - start
    if not torch.isfinite(loss):
        print(f"warning: final loss is {loss.item()}", file=sys.stderr)

    print(json.dumps({
        "impl": "pytorch-python",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batchSize": args.batch_size,
        "steps": args.steps,
        "seconds": seconds,
        "imagesPerSecond": args.batch_size * args.steps / seconds,
        "parameters": params,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

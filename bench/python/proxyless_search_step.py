#!/usr/bin/python3
"""PyTorch-Python half of `npm run bench:search-step -- --reference python`.

The ProxylessNAS search steps written in PyTorch's Python API from the algorithm (the official
repository is the reference for behaviour): a supernet of mixed edges built from the resolved space
torchnas writes (resolveSpace: stem, edges with their candidates, head), then
  weight   one path drawn from softmax(alpha), forward and backward through it alone, one SGD step;
  two      a pair drawn per edge, the edge output sum_i g_i op_i(x) over the pair with a one-hot
           binary gate g, dL/dg_i from autograd, dL/dalpha = p (dL/dg - <p, dL/dg>) over the pair,
           one Adam step, the pair's logits shifted to keep their old log-sum-exp;
  full_v2  the active candidate alone in forward; backward re-runs every other candidate without
           grad on the saved edge input to measure dL/dg_k = <op_k(x), dL/dout>; one Adam step.
As the official code, architecture steps leave the weights' requires_grad on (`--freeze-weights`
turns it off, as torchnas does) and run NCHW (`--channels-last` to change it).

Timing: one weight step per round, then (for each architecture mode) passes with an architecture
step after every weight step; architecture steps are timed apart. Prints one JSON line.

  /usr/bin/python3 bench/python/proxyless_search_step.py --space resolved.json --batch-size 16 \
      --steps 8 --warmup 2 --threads 2 [--modes two,full_v2] [--channels-last] [--freeze-weights]
      [--device cuda] [--precision bf16] [--profile 12]
  /usr/bin/python3 bench/python/proxyless_search_step.py --self-test
"""

import argparse
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_throughput import MBConv, build_block  # noqa: E402

NUM_BATCHES = 4


def build_candidate(spec):
    block = build_block(spec)
    if isinstance(block, MBConv) and not spec.get("residual", True):
        block.shortcut = False  # the edge adds its input once
    return block


class FullV2Gate(torch.autograd.Function):
    """The active candidate on a detached copy of the edge input; backward passes dL/dout through it
    to the input and measures every other candidate without grad (the official code's pattern)."""

    @staticmethod
    def forward(ctx, x, alpha, edge, active):
        ctx.edge, ctx.active = edge, active
        detached = x.detach().requires_grad_(True)
        with torch.enable_grad():
            out = edge.run(active, detached)
        ctx.save_for_backward(detached, out)
        return out.detach()

    @staticmethod
    def backward(ctx, grad):
        detached, out = ctx.saved_tensors
        grad_x, = torch.autograd.grad(out, detached, grad)
        dots = []
        dtype = torch.float64 if grad.dtype == torch.float64 else torch.float32  # at least fp32 under bf16
        with torch.no_grad():
            for k in range(len(ctx.edge.candidates)):
                out_k = out if k == ctx.active else ctx.edge.run(k, detached)
                dots.append((out_k.to(dtype) * grad.to(dtype)).sum())
        ctx.edge.gate_grad = torch.stack(dots)
        return grad_x, None, None, None


class MixedEdge(nn.Module):
    def __init__(self, edge):
        super().__init__()
        self.candidates = nn.ModuleList(build_candidate(c) for c in edge["native"])
        self.adds_input = [edge["shortcut"] and c["op"] in ("mbconv", "zero") for c in edge["native"]]
        self.gate_grad = None

    def run(self, j, x):
        y = self.candidates[j](x)
        return x + y if self.adds_input[j] else y

    def forward(self, x, choice, mode, alpha):
        active, members = choice
        if mode == "weight":
            return self.run(active, x)
        if mode == "two":
            # One-hot binary gate over the pair; autograd gives dL/dg for both members.
            gate = torch.zeros(len(members), dtype=x.dtype, device=x.device, requires_grad=True)
            with torch.no_grad():
                gate[members.index(active)] = 1.0
            self.pair_gate = gate
            out = 0
            for i, j in enumerate(members):
                out = out + gate[i] * self.run(j, x)
            return out
        # alpha as an input keeps the output in the graph even where x needs no grad (its gradient
        # is set from gate_grad after backward).
        return FullV2Gate.apply(x, alpha, self, active)


class Supernet(nn.Module):
    def __init__(self, resolved):
        super().__init__()
        self.stem = nn.Sequential(*[build_block(b) for b in resolved["stem"]])
        self.edges = nn.ModuleList(MixedEdge(e) for e in resolved["edges"])
        self.head = nn.Sequential(*[build_block(b) for b in resolved["head"]])
        self.alphas = [(torch.randn(len(e["native"]), dtype=torch.float64) * 1e-3).float().requires_grad_(True)
                       for e in resolved["edges"]]

    def forward(self, x, path, mode):
        h = self.stem(x)
        for edge, choice, alpha in zip(self.edges, path, self.alphas):
            h = edge(h, choice, mode, alpha)
        return self.head(h)


def draw(p, rng, exclude=-1):
    total = sum(q for i, q in enumerate(p) if i != exclude)
    u, acc = rng.random() * total, 0.0
    for i, q in enumerate(p):
        if i == exclude:
            continue
        acc += q
        if u < acc:
            return i
    return max(i for i in range(len(p)) if i != exclude)


class Search:
    def __init__(self, net, freeze_weights, seed, bf16=False):
        self.net, self.freeze_weights, self.bf16 = net, freeze_weights, bf16
        self.rng = random.Random(seed)
        decay = [p for p in net.parameters() if p.dim() > 1]
        no_decay = [p for p in net.parameters() if p.dim() <= 1]
        self.weights = torch.optim.SGD([{"params": decay, "weight_decay": 5e-5},
                                        {"params": no_decay, "weight_decay": 0.0}],
                                       lr=0.05, momentum=0.9, nesterov=True)
        self.arch = torch.optim.Adam(net.alphas, lr=6e-3, betas=(0.0, 0.999), eps=1e-8)

    def forward(self, x, path, mode):
        # Loss outside autocast, in fp32, as the native side does.
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            return self.net(x, path, mode).float()

    def probabilities(self):
        return [torch.softmax(a.detach().double(), 0).tolist() for a in self.net.alphas]

    def weight_step(self, x, y):
        path = [(draw(p, self.rng), None) for p in self.probabilities()]
        loss = F.cross_entropy(self.forward(x, path, "weight"), y)
        self.weights.zero_grad(set_to_none=True)
        loss.backward()
        self.weights.step()
        return loss

    def gate_path(self, mode):
        path = []
        for p in self.probabilities():
            if mode == "two":
                first = draw(p, self.rng)
                second = draw(p, self.rng, first)
                active = first if self.rng.random() * (p[first] + p[second]) < p[first] else second
                path.append((active, [first, second]))
            else:
                path.append((draw(p, self.rng), list(range(len(p)))))
        return path

    def arch_step(self, x, y, mode):
        path = self.gate_path(mode)
        if self.freeze_weights:
            for p in self.net.parameters():
                p.requires_grad_(False)
        loss = F.cross_entropy(self.forward(x, path, mode), y)
        self.net.zero_grad(set_to_none=True)
        self.arch.zero_grad(set_to_none=True)
        loss.backward()
        before = [a.detach().clone() for a in self.net.alphas]
        for edge, alpha, (_, members) in zip(self.net.edges, self.net.alphas, path):
            g = edge.pair_gate.grad if mode == "two" else edge.gate_grad
            index = torch.tensor(members, device=alpha.device)
            p = torch.softmax(alpha.detach().index_select(0, index), 0)
            g = g.to(p.dtype)
            alpha.grad = torch.zeros_like(alpha).index_add_(0, index, p * (g - (p * g).sum()))
        self.arch.step()
        if mode == "two":
            with torch.no_grad():
                for alpha, old, (_, members) in zip(self.net.alphas, before, path):
                    index = torch.tensor(members, device=alpha.device)
                    pair = alpha.index_select(0, index)
                    pair -= torch.logsumexp(pair, 0) - torch.logsumexp(old.index_select(0, index), 0)
                    alpha.copy_(old).index_copy_(0, index, pair)
        if self.freeze_weights:
            for p in self.net.parameters():
                p.requires_grad_(True)
        return loss


def op_rows(prof, steps):
    """Per-operator self and total CPU milliseconds per step, largest self time first."""
    rows = [{"name": e.key, "calls": e.count / steps, "selfMs": e.self_cpu_time_total / 1e3 / steps,
             "totalMs": e.cpu_time_total / 1e3 / steps} for e in prof.key_averages()]
    return sorted(rows, key=lambda r: -r["selfMs"])


def run(args):
    with open(args.space) as f:
        resolved = json.load(f)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    net = Supernet(resolved)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    net = net.to(device=device, memory_format=fmt).train()
    net.alphas = [a.detach().to(device).requires_grad_(True) for a in net.alphas]
    channels, height, width = resolved["space"]["input"]
    classes = resolved["space"]["classes"]
    batches = [(torch.randn(args.batch_size, channels, height, width, device=device).to(memory_format=fmt),
                torch.randint(0, classes, (args.batch_size,), device=device)) for _ in range(NUM_BATCHES)]
    search = Search(net, args.freeze_weights, args.seed, args.precision == "bf16")
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def timed(step, *step_args):
        sync()
        started = time.perf_counter()
        step(*step_args)
        sync()
        return time.perf_counter() - started

    def weight_pass(steps, arch_mode=None):
        weight_seconds = arch_seconds = 0.0
        for i in range(steps):
            weight_seconds += timed(search.weight_step, *batches[i % NUM_BATCHES])
            if arch_mode:
                arch_seconds += timed(search.arch_step, *batches[(i + 1) % NUM_BATCHES], arch_mode)
        return (weight_seconds / steps, arch_seconds / steps) if steps else (0.0, 0.0)  # --warmup 0

    def profiled(steps, arch_mode=None):
        with torch.autograd.profiler.profile() as prof:
            weight_pass(steps, arch_mode)
        return op_rows(prof, steps)[:args.profile]

    result = {"impl": "pytorch-python", "torch": torch.__version__, "threads": torch.get_num_threads(),
              "batchSize": args.batch_size, "steps": args.steps, "channelsLast": args.channels_last,
              "freezeWeights": args.freeze_weights, "precision": args.precision, "profiles": {}}
    weight_pass(args.warmup)
    result["weight"] = weight_pass(args.steps)[0]
    if args.profile:
        result["profiles"]["weight"] = profiled(args.steps)
    for mode in [m for m in args.modes.split(",") if m]:
        weight_pass(args.warmup, mode)
        result[mode] = weight_pass(args.steps, mode)[1]
        if args.profile:
            result["profiles"]["weight+" + mode] = profiled(args.steps, mode)
    print(json.dumps(result))


def self_test():
    """The gates' dL/dalpha against autograd through a softmax mixture of the same candidates."""
    torch.manual_seed(0)
    edge = {"native": [{"op": "mbconv", "in": 4, "out": 4, "kernel": k, "stride": 1, "expand": 2,
                        "act": "relu6", "residual": False} for k in (3, 5)] + [{"op": "zero", "out": 4}],
            "shortcut": True}
    resolved = {"stem": [], "head": [{"op": "gap"}], "edges": [edge, edge]}
    net = Supernet(resolved).double()
    net.alphas = [a.double().detach().requires_grad_(True) for a in net.alphas]
    for m in net.modules():  # no BN statistics drift between the reference and the gates
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
    x, y = torch.randn(3, 4, 6, 6, dtype=torch.float64), torch.tensor([0, 1, 2])
    for mode, members in (("full_v2", [0, 1, 2]), ("two", [0, 2])):
        path = [(members[0], members), (members[-1], members)]
        search = Search(net, True, 0)
        loss = F.cross_entropy(net(x, path, mode), y)
        loss.backward()
        for edge, alpha, (active, members_) in zip(net.edges, net.alphas, path):
            index = torch.tensor(members_)
            g = edge.pair_gate.grad if mode == "two" else edge.gate_grad
            p = torch.softmax(alpha.detach().index_select(0, index), 0)
            got = p * (g - (p * g).sum())
            # Reference: dL/dg through a mixture whose weights are the one-hot gate as leaves.
            gates = [torch.zeros(len(members_), dtype=torch.float64, requires_grad=True) for _ in net.edges]
            h = x
            for e, (a, ms) in enumerate(path):
                with torch.no_grad():
                    gates[e][ms.index(a)] = 1.0
                h = sum(gates[e][i] * net.edges[e].run(j, h) for i, j in enumerate(ms))
            F.cross_entropy(net.head(h), y).backward()
            e = list(net.edges).index(edge)
            want = p * (gates[e].grad - (p * gates[e].grad).sum())
            if not torch.allclose(got, want, rtol=1e-9, atol=1e-12):
                print(f"self-test failed: {mode} edge {e}: {got.tolist()} vs {want.tolist()}")
                return 1
        del search
    print("self-test passed")
    return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--space", help="resolved space (JSON, from resolveSpace)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--modes", default="two,full_v2")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--device", default="cpu")
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    p.add_argument("--profile", type=int, default=0, help="also print the N ops of most self time per step")
    p.add_argument("--freeze-weights", action="store_true")
    p.add_argument("--self-test", action="store_true")
    args = p.parse_args(argv)
    if not args.self_test and not args.space:
        p.error("--space is required (or --self-test)")
    if args.batch_size < 1 or args.steps < 1 or args.warmup < 0 or args.threads < 1:
        p.error("--batch-size, --steps and --threads must be >= 1; --warmup >= 0")
    if any(m not in ("two", "full_v2") for m in args.modes.split(",") if m):
        p.error("--modes takes two and/or full_v2")
    return args


def main(argv=None):
    args = parse_args(argv)
    return self_test() if args.self_test else run(args) or 0


if __name__ == "__main__":
    sys.exit(main())

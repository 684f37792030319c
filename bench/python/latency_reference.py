#!/usr/bin/python3
"""Independent reference for the torchnas latency timer: PyTorch's own torch.utils.benchmark.Timer
timing the same layers (built by train_throughput.build_block from the same resolved specs) in eval
mode without autograd. Prints one JSON object with the median milliseconds of each layer.

  python3 bench/python/latency_reference.py --layers layers.json --batch 8 --threads 2 \
      [--device cpu|cuda] [--min-run-time 0.2] [--channels-last]
layers.json: [{"block": {...native block spec...}, "input": [C, H, W] or [F]}, ...]
"""

import argparse
import json
import os
import sys

import torch
import torch.utils.benchmark as benchmark

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_throughput import build_block  # noqa: E402  (the same module definitions)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", required=True)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--min-run-time", type=float, default=0.2)
    p.add_argument("--channels-last", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    with open(args.layers) as f:
        layers = json.load(f)
    medians = []
    with torch.no_grad():
        for layer in layers:
            module = build_block(layer["block"]).eval().to(device)
            x = torch.randn([args.batch] + layer["input"], device=device)
            if args.channels_last and x.dim() == 4:
                module = module.to(memory_format=torch.channels_last)
                x = x.to(memory_format=torch.channels_last)  # restrides one-channel input too
            timer = benchmark.Timer(stmt="m(x)", globals={"m": module, "x": x}, num_threads=args.threads)
            medians.append(timer.blocked_autorange(min_run_time=args.min_run_time).median * 1e3)
    print(json.dumps({"torch": torch.__version__, "device": str(device), "medianMs": medians}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

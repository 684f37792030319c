"""DARTS (first order) search steps on the NAS-Bench-201 supernet in PyTorch, the Python side of
bench:darts-step: the same network as torchnas's (C channels, N cells per stage, non-affine cells,
1x28x28 input, 10 classes), the same step (an Adam step of the alphas on a validation batch, then an
SGD step of the weights, norm clipped at 5), on the same LibTorch build. Prints seconds per step as JSON.

  python3 bench/python/darts_step.py --steps 30 --batch 64 --channels 8 --cells 2 --threads 1
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

EDGES = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]  # (source, target), NB201's edge order


class ReluConvBn(nn.Sequential):
    def __init__(self, c_in, c_out, k, stride, affine):
        super().__init__(nn.ReLU(), nn.Conv2d(c_in, c_out, k, stride, k // 2, bias=not affine),
                         nn.BatchNorm2d(c_out, affine=affine))


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


def edge_ops(c):
    return nn.ModuleList([Zero(), nn.Identity(), ReluConvBn(c, c, 1, 1, False), ReluConvBn(c, c, 3, 1, False),
                          nn.AvgPool2d(3, 1, 1, count_include_pad=False)])


class MixedCell(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.edges = nn.ModuleList([edge_ops(c) for _ in EDGES])

    def forward(self, x, weights):
        nodes = [x]
        for target in (1, 2, 3):
            node = 0
            for e, (s, t) in enumerate(EDGES):
                if t == target:
                    node = node + sum(w * op(nodes[s]) for w, op in zip(weights[e], self.edges[e]))
            nodes.append(node)
        return nodes[3]


class ResNetBlock(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.a = ReluConvBn(c_in, c_out, 3, 2, True)
        self.b = ReluConvBn(c_out, c_out, 3, 1, True)
        self.down = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x):
        return self.down(x) + self.b(self.a(x))


class Supernet(nn.Module):
    def __init__(self, c, n, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        layers, width = [], c
        for stage in range(3):
            if stage:
                layers.append(ResNetBlock(width, 2 * width))
                width *= 2
            layers += [MixedCell(width) for _ in range(n)]
        self.layers = nn.ModuleList(layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU())
        self.classifier = nn.Linear(width, classes)
        self.alphas = nn.Parameter(1e-3 * torch.randn(6, 5))

    def weights(self):
        return [p for name, p in self.named_parameters() if name != 'alphas']

    def forward(self, x):
        w = F.softmax(self.alphas, -1)
        h = self.stem(x)
        for layer in self.layers:
            h = layer(h, w) if isinstance(layer, MixedCell) else layer(h)
        return self.classifier(self.lastact(h).mean((2, 3)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--steps', type=int, default=30)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--batch', type=int, default=64)
    p.add_argument('--channels', type=int, default=8)
    p.add_argument('--cells', type=int, default=2)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--channels-last', action='store_true', help='the network and its inputs channels_last')
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    net = Supernet(a.channels, a.cells)
    layout = torch.channels_last if a.channels_last else torch.contiguous_format
    net = net.to(memory_format=layout)
    w_opt = torch.optim.SGD(net.weights(), lr=0.025, momentum=0.9, weight_decay=3e-4)
    a_opt = torch.optim.Adam([net.alphas], lr=3e-4, betas=(0.5, 0.999), weight_decay=1e-3)
    data = [(torch.randn(a.batch, 1, 28, 28).contiguous(memory_format=layout), torch.randint(0, 10, (a.batch,)))
            for _ in range(4)]
    t0 = None
    for step in range(a.warmup + a.steps):
        if step == a.warmup:
            t0 = time.perf_counter()
        (xt, yt), (xv, yv) = data[step % 2], data[2 + step % 2]
        a_opt.zero_grad()
        F.cross_entropy(net(xv), yv).backward(inputs=[net.alphas])
        a_opt.step()
        w_opt.zero_grad()
        F.cross_entropy(net(xt), yt).backward(inputs=net.weights())
        nn.utils.clip_grad_norm_(net.weights(), 5)
        w_opt.step()
    print(json.dumps({'torch': torch.__version__, 'secondsPerStep': (time.perf_counter() - t0) / a.steps, 'steps': a.steps,
                      'batch': a.batch, 'channels': a.channels, 'cells': a.cells, 'threads': a.threads,
                      'channelsLast': a.channels_last}))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""torchvision half of the torchnas image-folder data-pipeline benchmark (npm run bench:data).

One epoch of torchvision's ImageFolder + DataLoader over a folder of JPEGs with the ImageNet training
transforms (RandomResizedCrop, RandomHorizontalFlip, ToTensor, Normalize), batches collated and
handed to the main process as a training loop would receive them; no model. The workers are
persistent and an untimed epoch runs first, so the timed epoch pays no worker start-up (the most
favourable reading for torchvision: without persistent workers every epoch starts them again, which
cost 2-10% here).

Run with Debian's interpreter (python3-torch, python3-torchvision), not the pyenv python3:
  /usr/bin/python3 bench/python/imagefolder_loader.py --root DIR --size 224 --batch 64 --workers 2
Prints one JSON line: {"imagesPerSecond": ..., "images": ..., "seconds": ...}.
With --dump N --out FILE: writes the evaluation transform's uint8 pixels of the first N files instead.
"""

import argparse
import json
import time

import torch
import torchvision.datasets as datasets
import torchvision.transforms as T

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def dump(args):
    """The evaluation transform's pixels (no normalization) of the first N files, in ImageFolder order."""
    transform = T.Compose([T.Resize(round(args.size * 256 / 224)), T.CenterCrop(args.size), T.PILToTensor()])
    data = datasets.ImageFolder(args.root, transform=transform)
    with open(args.out, "wb") as f:
        for i in range(min(args.dump, len(data))):
            f.write(data[i][0].numpy().tobytes())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--eval", action="store_true", help="Resize + CenterCrop instead of the training transforms")
    parser.add_argument("--dump", type=int, default=0, help="write the first N evaluation images as raw uint8 CHW to --out")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.dump:
        dump(args)
        return

    torch.manual_seed(args.seed)
    if args.eval:
        transform = T.Compose([T.Resize(round(args.size * 256 / 224)), T.CenterCrop(args.size), T.ToTensor(), T.Normalize(MEAN, STD)])
    else:
        transform = T.Compose([T.RandomResizedCrop(args.size), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(MEAN, STD)])
    data = datasets.ImageFolder(args.root, transform=transform)
    loader = torch.utils.data.DataLoader(data, batch_size=args.batch, shuffle=not args.eval, num_workers=args.workers,
                                         persistent_workers=args.workers > 0)
    for _ in loader:
        pass

    images = 0
    start = time.perf_counter()
    for batch, _ in loader:
        images += batch.shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({"imagesPerSecond": images / seconds, "images": images, "seconds": seconds}))


if __name__ == "__main__":
    main()

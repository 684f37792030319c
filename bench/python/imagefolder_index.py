#!/usr/bin/python3
"""torchvision half of the file-count benchmark (npm run bench:files): how long torchvision's
ImageFolder takes to index a folder, and the memory it holds. Run with Debian's interpreter:
  /usr/bin/python3 bench/python/imagefolder_index.py --root DIR
Prints one JSON line: {"seconds", "images", "classes", "peakKiB", "beforeKiB", "heldKiB"}.
"""

import argparse
import json
import time


def resident(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    args = parser.parse_args()
    import torchvision.datasets as datasets  # imported first, so its own memory is in `before`

    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = resident("VmRSS")
    start = time.perf_counter()
    data = datasets.ImageFolder(args.root)
    seconds = time.perf_counter() - start
    out = {
        "seconds": seconds,
        "images": len(data),
        "classes": len(data.classes),
        "peakKiB": resident("VmHWM"),
        "beforeKiB": before,
        "heldKiB": resident("VmRSS"),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()

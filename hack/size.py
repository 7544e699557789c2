#!/usr/bin/env python3
"""What makes the irsa-doctor binary big, by package (make size; docs/performance.md,
"Binary size (issue 16)").

Reads `go tool nm -size` of an unstripped binary on stdin and sums the sizes of its
symbols (code, read-only data, data) by package group: a module's packages under one
line for the big modules (k8s.io/api, client-go's trees, each AWS service), the
standard library by its top folder. Symbols in .bss/.noptrbss take no room in the file
and are left out: pass the start address of .bss as the first argument (make size reads
it with readelf). Generic instantiations count for the package that defines the generic
code (slices.SortFunc[...] for slices). The total is less than the file: the
pcln table (function names, line tables) adds about three quarters of the code's size
again, per package in proportion to its code.
"""
import collections
import re
import sys


def group(pkg):
    if pkg.startswith("funcdata"):
        return pkg
    parts = pkg.split("/")
    if pkg.startswith("github.com/aws/aws-sdk-go-v2/service/"):
        return "/".join(parts[:5])
    if pkg.startswith("github.com/aws/aws-sdk-go-v2/"):
        return "github.com/aws/aws-sdk-go-v2 (core, config, credentials)"
    if pkg.startswith("k8s.io/client-go/"):
        return "/".join(parts[:3])
    if pkg.startswith("k8s.io/api/"):
        return "k8s.io/api (every API group)"
    if pkg.startswith("k8s.io/"):
        return "/".join(parts[:2])
    if pkg.startswith("github.com/irsa-doctor/irsa-doctor/"):
        return "/".join(parts[3:5])
    if "." in parts[0]:
        return "/".join(parts[:3])
    return "std: " + parts[0]


def package(name):
    if name.startswith("go:func."):
        return "funcdata of every function (go:func.*)"
    n = re.sub(r"^(type:\.?(eq|hash)\.|type:\*?|go:itab\.\*?|go:)", "", name)
    n = n.lstrip("*[]().")
    n = n.split("[")[0]
    n = re.sub(r"^\(\*?", "", n)
    slash = n.rfind("/")
    dot = n.find(".", slash + 1)
    return n[:dot] if dot > 0 else n


def main():
    bss = int(sys.argv[1], 16) if len(sys.argv) > 1 else 1 << 62
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    total = collections.Counter()
    for line in sys.stdin:
        f = line.split(None, 3)
        if len(f) < 4 or f[2] in "UuBb" or int(f[0], 16) >= bss:
            continue
        total[group(package(f[3].strip()))] += int(f[1])
    s = sum(total.values())
    print(f"| MB | share | package group |\n|---:|---:|---|")
    for g, v in total.most_common(top):
        print(f"| {v / 1e6:.2f} | {100 * v / s:.1f}% | {g} |")
    print(f"| {s / 1e6:.2f} | 100% | all symbols (code and data, not .bss) |")


if __name__ == "__main__":
    main()

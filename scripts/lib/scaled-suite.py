#!/usr/bin/env python3
"""Writes a copy of a suite file (Programs/suite.yaml) with its training budgets changed, for the scripts
that measure kernels at a reduced budget (honest-kernels-table.sh, learning-control-bench.sh). Evaluation
budgets and every other key are kept as they are.

  scaled-suite.py SOURCE TARGET TRAIN_FLOPS [ONLY]

TRAIN_FLOPS is `suite` (keep each benchmark's own budget), a number (every benchmark's budget, written
as given: 1.5e11) or `/N` (each benchmark's own budget divided by N, three significant digits). ONLY, when
given and not empty, keeps that one benchmark; a name the suite does not have is an error.
"""
import re
import sys

if len(sys.argv) not in (4, 5):
    sys.exit("usage: " + next(l.strip() for l in __doc__.splitlines() if l.strip().startswith("scaled-suite.py")))
source, target, flops = sys.argv[1:4]
only = sys.argv[4] if len(sys.argv) == 5 else ""

# A benchmark is its `  - name:` line and the indented (or blank) lines under it.
blocks, current = [], None
for line in open(source):
    if line.startswith("  - name:"):
        current = [line]
        blocks.append(current)
    elif current is not None and (line.startswith("    ") or not line.strip()):
        current.append(line)
kept = [b for b in blocks if not only or b[0].split(":", 1)[1].strip() == only]
if not kept:
    sys.exit(f"no benchmark {only} in {source}")


def budget(match):
    if flops.startswith("/"):
        return match.group(1) + "%.3g" % (float(match.group(2)) / float(flops[1:]))
    return match.group(1) + flops


def scaled(line):
    return line if flops == "suite" else re.sub(r"^(\s*train_flops:\s*)([0-9.eE+]+)", budget, line)


with open(target, "w") as out:
    out.write("benchmarks:\n" + "".join(scaled(line) for block in kept for line in block))

#!/usr/bin/env bash
# Writes a small ARC-AGI-format sample (training/ and evaluation/ folders of task JSON files; each task applies
# one rule — mirror, flip, transpose, recolour, shift — to random grids, every fourth task 30x30, 2-4
# demonstration pairs and 1-3 test pairs), points a copy of the TRM seed at it, and runs `evolve eval` on it:
# the seed trained on real-format ARC at the 30x30 canvas, scored pass@2 on the tasks' test outputs.
# About 5 CPU minutes; peak memory about 5 GiB.
#   scripts/arc-sample.sh [work dir=/tmp/evolve-arc-sample] [train_flops=1.5e13]
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-/tmp/evolve-arc-sample}"
flops="${2:-1.5e13}"
swift build -c release --product evolve >/dev/null
rm -rf "$work" && mkdir -p "$work"
python3 - "$work/ARC" <<'PY'
import json, os, random, sys
root = sys.argv[1]; rng = random.Random(7)
def grid(h, w): return [[rng.choice([0, 0, 0, rng.randint(1, 9)]) for _ in range(w)] for _ in range(h)]
rules = {
  "mirror": lambda g: [row[::-1] for row in g],
  "flip": lambda g: g[::-1],
  "transpose": lambda g: [list(r) for r in zip(*g)],
  "recolour": lambda g: [[(c % 9) + 1 if c else 0 for c in row] for row in g],
  "shift": lambda g: [row[-1:] + row[:-1] for row in g],
}
for split, count in (("training", 24), ("evaluation", 12)):
  os.makedirs(f"{root}/{split}", exist_ok=True)
  for i in range(count):
    name = rng.choice(list(rules)); rule = rules[name]; big = i % 4 == 0
    def pair():
      h, w = (30, 30) if big else (rng.randint(3, 12), rng.randint(3, 12))
      g = grid(h, w); return {"input": g, "output": rule(g)}
    task = {"train": [pair() for _ in range(rng.randint(2, 4))], "test": [pair() for _ in range(rng.randint(1, 3))]}
    json.dump(task, open(f"{root}/{split}/{name}{i:03d}{split[0]}.json", "w"))
PY
cp -r Programs/trm "$work/seed"
cat >"$work/seed/evolve.yaml" <<CONFIG
language: swift
entry: kernel.swift
brief: BRIEF.md
seed: 1
benchmarks:
  - name: arc-sample
    generator: arc
    data: ../ARC                 # 30x30 canvas, the default for real ARC
    train: 24
    validation: 6
    test: 6
    augmentations: 0
    train_flops: $flops
    eval_flops: 2.0e12
    memory_mib: 12288            # the seed peaks near 5 GiB at this canvas; the default 4096 is too little
CONFIG
.build/release/evolve eval "$work/seed"

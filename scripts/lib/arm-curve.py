#!/usr/bin/env python3
"""One arm of a strategy comparison, read back from its run database: at each checkpoint of selection
evaluations (ordinary validation evaluations, first ones and racing repeats, in the order they were
recorded), the program a reader would have called the best then (the highest mean over its evaluations up
to that point among programs with at least `repeats` of them, else the highest mean at all), re-scored
with `evolve eval` on fresh training seeds the run never drew; with --handicaps, how many planted handicaps
that best has undone. Prints one JSON object per line, one per checkpoint, plus a `final` line with the
run's QD-score and coverage.

  arm-curve.py DB EVOLVE_BIN --config RUN.yaml [--run NAME] [--checkpoints 10,20,40] [--fresh 3] [--repeats 3] [--handicaps FILE]

A handicap file is JSON: [{"file": "kernel.swift", "constant": "learningRate", "seed": 3e-3,
"odds": false}, ...]; a handicap is undone when the constant is within 2x of the seed's own value (of
its odds p / (1 - p) for a decay, "odds": true), or, with "at_most": X, when it is at most X (a count such
as layers, where 2x of 1 would take in the handicap itself). With "marker": TEXT it belongs to one lineage
and counts only for a program whose file contains TEXT. Kernels are untrusted: evolve eval runs them sandboxed.
"""
import argparse, json, os, re, sqlite3, subprocess, sys, tempfile

parser = argparse.ArgumentParser()
parser.add_argument("db")
parser.add_argument("evolve")
parser.add_argument("--checkpoints", default="10,20,40,60,80")
parser.add_argument("--fresh", type=int, default=3)
parser.add_argument("--repeats", type=int, default=3)
parser.add_argument("--handicaps")
parser.add_argument("--run")
parser.add_argument("--config", required=True, help="the run's evolve.yaml (a program's files never hold it)")
args = parser.parse_args()

db = sqlite3.connect(args.db)

def combined(metrics_text):
    if not metrics_text:
        return 0.0
    m = json.loads(metrics_text)
    values = m.get("values") or {}
    if "combined_score" in values:
        return values["combined_score"]
    benchmarks = m.get("benchmarks") or {}
    if benchmarks:
        return sum(b.get("exactAccuracy", 0) for b in benchmarks.values()) / len(benchmarks)
    return sum(values.values()) / len(values) if values else 0.0

rows = db.execute(
    "select program_id, outcome, metrics, training_seed from evaluations "
    "where kind = 'ordinary' and split = 'validation' order by id").fetchall()
used_seeds = {r[0] for r in db.execute("select training_seed from evaluations")}

def best_after(k):
    scores = {}
    for pid, outcome, metrics, _ in rows[:k]:
        scores.setdefault(pid, []).append(combined(metrics) if outcome == "evaluated" else 0.0)
    if not scores:
        return None, None, 0
    means = {p: (sum(s) / len(s), len(s)) for p, s in scores.items()}
    confirmed = {p: v for p, v in means.items() if v[1] >= args.repeats}
    pool = confirmed or means
    pid = max(pool, key=lambda p: (pool[p][0], p))
    return pid, pool[pid][0], pool[pid][1]

def files_of(pid):
    row = db.execute("select files from programs where id = ?", (pid,)).fetchone()
    return json.loads(row[0])

def constant(text, name):
    match = re.search(r"static let " + re.escape(name) + r"(?:\s*:\s*\w+)?\s*=\s*([-0-9.eE_]+|true|false)", text)
    return match.group(1).replace("_", "") if match else None

def undone(files, handicaps):
    count = 0
    for h in handicaps:
        text = files.get(h["file"], "")
        if h.get("marker") and h["marker"] not in text:
            continue
        value = constant(text, h["constant"])
        if value is None:
            continue
        v, s = float(value), float(h["seed"])
        if "at_most" in h:
            count += v <= float(h["at_most"])
            continue
        if h.get("odds"):
            if not (0 < v < 1):
                continue
            v, s = v / (1 - v), s / (1 - s)
        if s / 2 <= v <= s * 2:
            count += 1
    return count

fresh_cache = {}
def fresh_mean(pid):
    if pid in fresh_cache:
        return fresh_cache[pid]
    scores = []
    with tempfile.TemporaryDirectory() as work:
        for path, text in files_of(pid).items():
            target = os.path.join(work, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as f:
                f.write(text)
        with open(args.config) as source, open(os.path.join(work, "evolve.yaml"), "w") as target:
            target.write(source.read())
        seed = 900_001
        while len(scores) < args.fresh:
            while seed in used_seeds:
                seed += 1
            out = subprocess.run([args.evolve, "eval", work, "--training-seed", str(seed), "--json"],
                                 capture_output=True, text=True)
            seed += 1
            try:
                report = json.loads(out.stdout)
            except ValueError:
                print(f"arm-curve: evolve eval of {pid[:8]} printed no JSON (exit {out.returncode}): "
                      f"{out.stderr.strip()[-300:]}", file=sys.stderr)
                scores.append(0.0)
                continue
            scores.append(report.get("combined_score") or 0.0)
    n = len(scores)
    mean = sum(scores) / n
    se = (sum((x - mean) ** 2 for x in scores) / (n - 1)) ** 0.5 / n ** 0.5 if n > 1 else None
    fresh_cache[pid] = (mean, se, n)
    return fresh_cache[pid]

handicaps = json.load(open(args.handicaps)) if args.handicaps else None
total = len(rows)
for k in sorted({int(c) for c in args.checkpoints.split(",") if c}):
    if k > total:
        break
    pid, mean, n = best_after(k)
    if pid is None:
        continue
    fm, fse, fn = fresh_mean(pid) if args.fresh > 0 else (None, None, 0)
    line = {"selection_evaluations": k, "best": pid, "mean": round(mean, 4), "n": n,
            "fresh_mean": None if fm is None else round(fm, 4), "fresh_se": None if fse is None else round(fse, 4), "fresh_n": fn}
    if handicaps is not None:
        line["handicaps_undone"] = undone(files_of(pid), handicaps)
        line["handicaps"] = len(handicaps)
    print(json.dumps(line), flush=True)

# The end of the run: its best under the same reading, and the grid's QD-score and coverage as evolve reports them.
pid, mean, n = best_after(total)
final = {"final": True, "selection_evaluations": total, "best": pid, "mean": None if mean is None else round(mean, 4), "n": n}
if pid is not None:
    fm, fse, fn = fresh_mean(pid) if args.fresh > 0 else (None, None, 0)
    final.update({"fresh_mean": None if fm is None else round(fm, 4), "fresh_se": None if fse is None else round(fse, 4), "fresh_n": fn})
    if handicaps is not None:
        final["handicaps_undone"] = undone(files_of(pid), handicaps)
        final["handicaps"] = len(handicaps)
if args.run:
    grid = subprocess.run([args.evolve, "inspect", "population", args.run, "--json"], capture_output=True, text=True)
    try:
        g = json.loads(grid.stdout)
        final.update({"qd_score": round(g["qd_score"], 4), "coverage": round(g["coverage"], 4)})
    except (ValueError, KeyError):
        print(f"arm-curve: evolve inspect population {args.run} printed no grid (exit {grid.returncode}): {grid.stderr.strip()[-300:]}", file=sys.stderr)
print(json.dumps(final), flush=True)

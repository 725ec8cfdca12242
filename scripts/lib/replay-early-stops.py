#!/usr/bin/env python3
"""Replays a run's early stops (shadow or on) under the reachable-cell placement (issue 26).

usage: replay-early-stops.py RUN/evolve.sqlite   (opened read-only; copy it first if the run is live)

Per early_stops row: the cell the checkpoint placed the child in, its final cell, the cells
CheckpointPlacement says it could still reach, and whether the stop stands (no reachable cell empty, the
optimistic prediction below the lowest elite of those cells and the island's best). Two readings:
`stage1` settles the parameter count from the remaining benchmarks (the database keeps no stage-1
counts; the final run's count stands in, the driver counting the model built from the task's shape and
the seed, the same in both stages) and `growth` bounds it by the parents' records only.
Reconstructed, not stored: the grid at the checkpoint (end of the evaluation minus the remaining
benchmarks' wall time; holders from first arrivals and `cell` / `island-best` displacements, scores as
stored now, after their races). Training budgets are not in the database: train_flops is unbounded above.
"""
import json, math, sqlite3, sys

def descriptors(benchmarks):
    """MeasuredDescriptors: maxima over benchmarks, and the sum of training FLOPs."""
    b = list(benchmarks.values())
    if not b:
        return {}
    cap = lambda x: min(x["parameters"], x["peakMemoryBytes"] // 4) if x.get("peakMemoryBytes") else x["parameters"]
    out = {"parameters": float(max(cap(x) for x in b)), "train_flops": sum(x.get("trainFLOPs", 0) for x in b)}
    per_step = [x["trainFLOPs"] / x["steps"] for x in b if x.get("steps")]
    if per_step:
        out["flops_per_step"] = max(per_step)
    memory = [x["peakMemoryBytes"] for x in b if x.get("peakMemoryBytes")]
    if memory:
        out["peak_memory_bytes"] = float(max(memory))
    depth = [x.get("reported", {}).get("effective_depth") for x in b]
    if any(d is not None for d in depth):
        out["effective_depth"] = max(d for d in depth if d is not None)
    return out

def bin_of(dim, value):
    lo, hi, n = dim["minimum"], dim["maximum"], dim["bins"]
    if math.isinf(value):
        return n - 1
    if dim.get("scale") == "log":
        lo, hi, value = math.log(lo), math.log(hi), math.log(max(value, dim["minimum"]))
    return min(n - 1, max(0, int((value - lo) / (hi - lo) * n)))

def reachable(dims, ranges, fixed):
    """CheckpointPlacement.cells: the bins each range spans; fixed descriptors one bin; unknown ones all."""
    axes = []
    for d in dims:
        if d["name"] in ranges:
            lo, hi = ranges[d["name"]]
            axes.append(range(bin_of(d, lo), max(bin_of(d, lo), bin_of(d, hi)) + 1))
        elif d["name"] in fixed:
            axes.append([bin_of(d, fixed[d["name"]])])
        else:
            axes.append(range(d["bins"]))
    cells = [()]
    for axis in axes:
        cells = [c + (i,) for c in cells for i in axis]
    return cells

def ranges_for(measured, settled, growth):
    """CheckpointPlacement.init: from the measured value (or settled) up to settled, else the parents' growth."""
    out = {}
    for name, value in measured.items():
        lower, upper = value, math.inf
        if name in settled:
            lower, upper = max(value, settled[name][0]), settled[name][1]
        else:
            preds = [p for before, after in growth if before.get(name, 0) > 0 and name in after
                     for p in (value * after[name] / before[name], value + after[name] - before[name])]
            upper = value + max(0, max(preds) - value) * 1.25 if preds else math.inf  # CheckpointPlacement.growthHeadroom
        out[name] = (lower, max(lower, upper))
    return out

def holder_at(db, island, t, kind, first):
    """The programs that held a cell (kind 'cell') or the island's best ('island-best') until time t, in order."""
    return [first] + [r[0] for r in db.execute("SELECT challenger FROM displacements WHERE island = ? AND kind = ? AND created < ? "
                                               "ORDER BY id", (island, kind, t))]

def main(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    config = json.loads(db.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()[0])
    dims = config["features"]["dimensions"]
    programs = {r[0]: dict(island=r[1], parents=json.loads(r[2]), cell=r[3], score=r[4], metrics=json.loads(r[5]) if r[5] else None,
                           descriptors=json.loads(r[6]), created=r[7], migrated=r[8])
                for r in db.execute("SELECT id, island, parents, cell, score, metrics, descriptors, created, migrated_from FROM programs")}
    # When each program took its place in the grid: its first stored selection evaluation, or its migration.
    placed = dict(db.execute("SELECT program_id, MIN(created) FROM evaluations WHERE kind = 'ordinary' AND split = 'validation' "
                             "AND outcome = 'evaluated' GROUP BY program_id").fetchall())
    for pid, p in programs.items():
        if p["migrated"]:
            placed[pid] = p["created"]
    stops = db.execute("SELECT s.program_id, s.mode, s.after, s.optimistic, s.bar, e.metrics FROM early_stops s JOIN evaluations e "
                       "ON e.program_id = s.program_id AND e.training_seed = s.training_seed AND e.split = 'validation' ORDER BY s.id").fetchall()
    print(f"{len(stops)} early stop(s) in {path}; grid {' x '.join(d['name'] for d in dims)}")
    for pid, mode, after, optimistic, bar, metrics in stops:
        after, child = set(json.loads(after)), programs[pid]
        benchmarks = json.loads(metrics)["benchmarks"]
        measured = descriptors({k: v for k, v in benchmarks.items() if k in after})
        final = descriptors(benchmarks)
        t = db.execute("SELECT created FROM early_stops WHERE program_id = ?", (pid,)).fetchone()[0] \
            - sum(v.get("wallSeconds", 0) for k, v in benchmarks.items() if k not in after)
        fixed = {k: v for k, v in child["descriptors"].items() if k not in final}
        growth = []
        for parent in child["parents"]:
            m = (programs.get(parent) or {}).get("metrics")
            if m and after <= set(m["benchmarks"]) and len(m["benchmarks"]) > len(after):
                growth.append((descriptors({k: v for k, v in m["benchmarks"].items() if k in after}), descriptors(m["benchmarks"])))
        # The grid of the child's island at the checkpoint.
        island = child["island"]
        members = sorted((placed[q], q) for q, p in programs.items() if p["island"] == island and q in placed and placed[q] < t)
        elites = {}
        for _, q in members:
            elites.setdefault(programs[q]["cell"], q)
        for q in holder_at(db, island, t, "cell", None)[1:]:
            elites[programs[q]["cell"]] = q
        best = holder_at(db, island, t, "island-best", members[0][1] if members else None)[-1]
        best_score = programs[best]["score"] if best else None
        key = lambda cell: ",".join(map(str, cell))
        checkpoint_cell = key(reachable(dims, {}, {**fixed, **measured})[0])
        print(f"\n{pid[:8]} ({mode}) after {', '.join(sorted(after))}: optimistic {optimistic:.3f}, recorded bar {bar:.3f}")
        print(f"  checkpoint cell ({checkpoint_cell}) elite {score_of(programs, elites.get(checkpoint_cell))}; "
              f"final cell ({child['cell']}) elite at the checkpoint {score_of(programs, elites.get(child['cell']))}")
        remaining_parameters = descriptors({k: v for k, v in benchmarks.items() if k not in after}).get("parameters")
        for reading, settled in (("stage1", {"parameters": (remaining_parameters, remaining_parameters)} if remaining_parameters else {}),
                                 ("growth", {})):
            cells = [key(c) for c in reachable(dims, ranges_for(measured, settled, growth), fixed)]
            empty = [c for c in cells if c not in elites]
            lowest = min([programs[elites[c]]["score"] for c in cells if c in elites] + ([best_score] if best_score is not None else []))
            verdict = (f"no stop: reachable cell(s) {' '.join('(' + c + ')' for c in empty)} empty" if empty
                       else f"stop: optimistic {optimistic:.3f} < bar {lowest:.3f}" if optimistic < lowest
                       else f"no stop: optimistic {optimistic:.3f} >= bar {lowest:.3f}")
            print(f"  {reading}: reachable {' '.join('(' + c + ')' for c in cells)} -> {verdict}"
                  f"{'' if child['cell'] in cells else '  [MISSES THE FINAL CELL]'}")

    # How often the checkpoint's cell is not the final one, over every child's first selection evaluation.
    prefix = set(json.loads(stops[0][2])) if stops else set()
    firsts = db.execute("SELECT program_id, metrics, MIN(id) FROM evaluations WHERE kind = 'ordinary' AND split = 'validation' "
                        "AND outcome = 'evaluated' GROUP BY program_id").fetchall()
    moved = [json.loads(m)["benchmarks"] for q, m, _ in firsts if programs[q]["parents"] and prefix < set(json.loads(m)["benchmarks"])]
    changed = sum(reachable(dims, {}, descriptors({k: v for k, v in b.items() if k in prefix}))
                  != reachable(dims, {}, descriptors(b)) for b in moved)
    print(f"\nchildren whose cell after {', '.join(sorted(prefix))} differs from their final cell: {changed} of {len(moved)}")

def score_of(programs, pid):
    return "none (empty)" if pid is None else f"{programs[pid]['score']:.3f} ({pid[:8]})"

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: replay-early-stops.py RUN/evolve.sqlite (a copy, if the run is live)")
    main(sys.argv[1])

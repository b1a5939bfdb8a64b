"""Summary of one bench/run-orleans-scaling.sh run: children per hour, coordinator time outside training per child,
CPU seconds per child, and whether every run gave the local run's rewards and winner.
Usage: python3 bench/orleans_scaling_summary.py <run folder> <trials>"""
import csv
import os
import re
import sys

out, trials = sys.argv[1], int(sys.argv[2])


def cpu_seconds(path):
    """User + system seconds from a /usr/bin/time -v file (0 when the file is missing)."""
    if not os.path.exists(path):
        return 0.0
    text = open(path).read()
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    return user + system


def history(run):
    with open(os.path.join(out, f"{run}-history.csv")) as f:
        return [r for r in csv.DictReader(f) if r["Kind"] == "Trained"]


def loads(run):
    return re.findall(r"load average: ([\d.]+)", open(os.path.join(out, f"{run}.log")).read())


runs = [("local", 1, 0), ("worker1", 1, 1), ("worker2", 2, 2), ("kill", 2, 2)]
base = {r["Trial"]: (r["Hash"], r["Reward"]) for r in history("local")}
print(f"{trials} children per run; seconds are wall seconds on a machine that may be shared (load averages: 1-minute, before and after)")
print("run      children/h  search_s  child_s(sum)  outside_training_ms/child  coordinator_cpu_s  workers_cpu_s  workers_cpu_s/child  same_as_local  winner  load")
rates = {}
for run, parallelism, workers in runs:
    log = open(os.path.join(out, f"{run}.log")).read()
    search = float(re.search(r"\(search (\d+) s\)", log).group(1))
    winner = re.search(r"best architecture \(.*?\): (.*)", log).group(1)
    rows = history(run)
    child = sum(float(r["Seconds"]) for r in rows)
    # Coordinator time outside training per child: slot-seconds of the search not spent in a child's training, per child.
    # With one slot this is the dispatch overhead (request, reply, data shipping, checkpoint, bookkeeping); with two it
    # also holds the slot idle while a batch waits for its slower child.
    outside = (search * parallelism - child) / len(rows) * 1000
    wcpu = sum(cpu_seconds(os.path.join(out, f"{run}-w{i}.time")) for i in range(1, workers + 1))
    same = {r["Trial"]: (r["Hash"], r["Reward"]) for r in rows} == base
    rates[run] = trials * 3600 / search
    print(f"{run:8} {rates[run]:10.1f}  {search:8.0f}  {child:12.1f}  {outside:25.0f}  {cpu_seconds(os.path.join(out, f'{run}.time')):17.1f}"
          f"  {wcpu:13.1f}  {(wcpu / len(rows) if workers else 0):19.1f}  {str(same):13}  {winner[:40]}  {'/'.join(loads(run))}")
print(f"wall-clock ratios: worker2/worker1 {rates['worker2'] / rates['worker1']:.2f}x, worker1/local {rates['worker1'] / rates['local']:.2f}x, kill/worker2 {rates['kill'] / rates['worker2']:.2f}x")
kill = os.path.join(out, "kill-event.txt")
print(open(kill).read().strip() if os.path.exists(kill) else "kill run: no worker was killed (the search ended first)")

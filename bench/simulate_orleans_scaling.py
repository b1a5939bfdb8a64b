"""Simulated children per hour of an Orleans search with 1-64 workers (issue 15), driven by measured child times.

Not a measurement: a discrete-event simulation. Its inputs are measured by bench/run-orleans-scaling.sh on this
machine: each child's training seconds (the local run's history, one libtorch thread) and the coordinator's time
outside training per child (the one-worker run: search wall time minus the children's training time, per child).
The controller update time u is not measured here: it is a parameter (--update-seconds), stated in the output.

Five ways of running the same children, W workers of one child each:
  barrier    batches of W children, one after another (the strategy learns between batches): the runner's dispatch for
             strategies whose proposals depend on results (Evolution; Random too before the pool); the batch lasts as
             long as its slowest child; the coordinator's per-child work is serial.
  pool       the runner's dispatch for Random (proposals independent of results): windows of 16W children;
             inside a window a worker that finishes gets the next child at once; a window ends with its last child.
  async      no barrier at all: a worker that finishes always gets the next child at once; the coordinator's per-child
             work is serial (one queue).
  reinforce  the runner with Reinforce, m children per update: after each batch of W, ceil(W/m) sequential controller
             updates of u seconds each, one per m results (the controller cannot sample the next batch before).
  replicas   Zoph & Le's asynchronous controller replicas: W/m replicas (at least 1), each with its own m workers,
             sampling m children, waiting for them, updating (u seconds) and sending its gradient to the shared
             controller without waiting for the other replicas; each replica has its own coordinator.
Usage: python3 bench/simulate_orleans_scaling.py <orleans-scaling run folder> [--update-seconds 0.5] [--m 8]
"""
import argparse
import csv
import heapq
import math
import os
import random
import re

parser = argparse.ArgumentParser()
parser.add_argument("run")
parser.add_argument("--update-seconds", type=float, default=0.5)
parser.add_argument("--m", type=int, default=8)
parser.add_argument("--children", type=int, default=2048, help="children simulated per point")
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()

with open(os.path.join(args.run, "local-history.csv")) as f:
    child_seconds = [float(r["Seconds"]) for r in csv.DictReader(f) if r["Kind"] == "Trained"]
with open(os.path.join(args.run, "worker1-history.csv")) as f:
    remote = [float(r["Seconds"]) for r in csv.DictReader(f) if r["Kind"] == "Trained"]
search = float(re.search(r"\(search (\d+) s\)", open(os.path.join(args.run, "worker1.log")).read()).group(1))
overhead = max(0.0, (search - sum(remote)) / len(remote))  # coordinator seconds outside training per child, 1 worker
u, m, n = args.update_seconds, args.m, args.children


def draw(rng):
    return rng.choice(child_seconds)


def barrier(w, rng, update=0.0):
    t, done = 0.0, 0
    while done < n:
        k = min(w, n - done)
        # The controller updates once per m results (the strategy learns a whole batch, then samples the next).
        t += max(draw(rng) for _ in range(k)) + k * overhead + ((done + k) // m - done // m) * update
        done += k
    return t


def dispatch(w, count, rng):
    # count children on w workers, each taking the next child when free; workers free at the times in the heap; the
    # coordinator dispatches one child at a time (serial overhead). Returns the time the last child ends.
    free = [0.0] * w
    coordinator = 0.0
    end = 0.0
    for _ in range(count):
        t = heapq.heappop(free)
        start = max(t, coordinator) + overhead
        coordinator = start
        finish = start + draw(rng)
        end = max(end, finish)
        heapq.heappush(free, finish)
    return end


def asynchronous(w, rng):
    return dispatch(w, n, rng)


def pool(w, rng):
    window = 16 * w
    t, done = 0.0, 0
    while done < n:
        k = min(window, n - done)
        t += dispatch(w, k, rng)
        done += k
    return t


def replicas(w, rng):
    count, k = max(1, w // m), min(w, m)
    per_replica = math.ceil(n / count)
    t, done = 0.0, 0
    while done < per_replica:
        batch = min(k, per_replica - done)
        t += max(draw(rng) for _ in range(batch)) + batch * overhead + ((done + batch) // m - done // m) * u
        done += batch
    return t * n / (per_replica * count)  # the replicas run side by side


print(f"SIMULATED, not measured. {n} children per point, child times drawn from the {len(child_seconds)} measured in "
      f"{args.run}/local-history.csv (mean {sum(child_seconds) / len(child_seconds):.1f} s), coordinator overhead per child "
      f"{overhead * 1000:.0f} ms (measured, one-worker run), controller update u = {u} s (assumed), m = {m} children per update.")
print(f"Reinforce with a sequential controller saturates near W* = m T / u = {m * sum(child_seconds) / len(child_seconds) / u:.0f} "
      f"workers when updates overlap training; with this runner's batch barrier the per-child serial cost is overhead + u/m = "
      f"{(overhead + u / m) * 1000:.0f} ms, half efficiency at W = T / (overhead + u/m) = "
      f"{(sum(child_seconds) / len(child_seconds)) / (overhead + u / m):.0f}.")
names = ["barrier", "pool", "async", "reinforce", "replicas"]
print("workers  " + "  ".join(f"{k + '_ch/h':>14}  speedup" for k in names))
base = {}
for w in [1, 2, 4, 8, 16, 32, 64]:
    row = {}
    for name, run in [("barrier", lambda r: barrier(w, r)), ("pool", lambda r: pool(w, r)), ("async", lambda r: asynchronous(w, r)),
                      ("reinforce", lambda r: barrier(w, r, u)), ("replicas", lambda r: replicas(w, r))]:
        rate = n * 3600 / run(random.Random(args.seed))
        base.setdefault(name, rate)
        row[name] = rate
    print(f"{w:7d}  " + "  ".join(f"{row[k]:14.0f}  {row[k] / base[k]:6.1f}x" for k in names))

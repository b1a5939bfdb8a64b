"""What a search's controller sampled, per block of trials of its history.csv (the report's): the share of each CNN
operation among the sampled layers (conv = plain convolution, sep = depthwise-separable, max / avg = 3x3 pooling),
the mean number of skip inputs per child and the mean reward. Uniform sampling gives 0.25 per operation in ENAS's
macro space; a controller that learns moves the shares. Usage: python3 bench/enas_operation_shares.py HISTORY.csv|RUN.log [BLOCK]"""
import collections
import csv
import re
import sys

OPERATIONS = ["conv", "sep", "max", "avg"]


def layers(description):
    """The layers of an architecture description ("12 layers in 3 stages: a, b [from 0,1] | ...; N parameters, ...")."""
    body = description.split(":", 1)[1].rsplit(";", 2)[0]
    body = re.sub(r"\[[^\]]*\]", lambda m: m.group(0).replace(",", " "), body)  # commas inside [from ...] are not separators
    return [layer.strip() for stage in body.split("|") for layer in stage.split(",") if layer.strip()]


def operation(layer):
    return "max" if layer.startswith("max_pool") else "avg" if layer.startswith("avg_pool") else "sep" if layer.startswith("sep") else "conv"


def skips(layer):
    inputs = re.search(r"\[from ([^\]]*)\]", layer)
    return len(inputs.group(1).split()) if inputs else 0


def read(path):
    """The trained children of a report's history.csv, or of a cifar10 run's log (its "trial N [Trained] ..." lines; the
    last attempt's when the log holds a run that started again)."""
    if path.endswith(".csv"):
        return [row for row in csv.DictReader(open(path)) if row["Kind"] == "Trained"]
    rows = []
    for line in open(path):
        match = re.match(r"trial\s+(\d+) \[Trained\] reward ([0-9.]+) .* :: (.*)$", line)
        if match:
            if int(match.group(1)) == 0:
                rows = []
            rows.append({"Reward": match.group(2), "Architecture": match.group(3)})
    return rows


history = read(sys.argv[1])
block = int(sys.argv[2]) if len(sys.argv) > 2 else 100
print("| trials | " + " | ".join(OPERATIONS) + " | skip inputs per child | mean reward |")
print("| --- |" + " ---: |" * (len(OPERATIONS) + 2))
for start in range(0, len(history), block):
    rows = history[start:start + block]
    counts = collections.Counter(operation(layer) for row in rows for layer in layers(row["Architecture"]))
    total = sum(counts.values())
    skip = sum(skips(layer) for row in rows for layer in layers(row["Architecture"])) / len(rows)
    reward = sum(float(row["Reward"]) for row in rows) / len(rows)
    print(f"| {start}-{start + len(rows) - 1} | " + " | ".join(f"{counts[o] / total:.2f}" for o in OPERATIONS) + f" | {skip:.1f} | {reward:.3f} |")

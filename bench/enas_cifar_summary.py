"""Summarises bench/run-enas-cifar.sh: per method, the winners' test accuracy (mean, standard deviation and standard
error over seeds) and search wall time (the search's own clock, which a resumed search carries on); writes
OUT/summary.md and prints it. A run resumed after a stop prints "search + final training" for its last process only
(the rest of the search and the final training), so that column is labelled as such.
Usage: python3 bench/enas_cifar_summary.py OUT"""
import pathlib
import re
import statistics
import sys

out = pathlib.Path(sys.argv[1])
rows = {}
for log in sorted(out.glob("*-seed*.log")):
    method, seed = re.match(r"(.+)-seed(\d+)\.log", log.name).groups()
    text = log.read_text()
    if "\nfinished " not in text:
        continue
    accuracy = re.findall(r"test accuracy ([0-9.]+)", text)
    search = re.findall(r"search \+ final training: (\d+) s \(search (\d+) s\)", text)
    if accuracy and search:
        rows.setdefault(method, []).append((int(seed), float(accuracy[-1]), int(search[-1][1]), int(search[-1][0])))

lines = ["| method | seeds | test accuracy per seed | mean | sd | se | search s (mean) | last process s: search rest + final (mean) |",
         "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
for method, runs in sorted(rows.items()):
    acc = [a for _, a, _, _ in runs]
    sd = statistics.stdev(acc) if len(acc) > 1 else float("nan")
    se = sd / len(acc) ** 0.5 if len(acc) > 1 else float("nan")
    lines.append(f"| {method} | {len(runs)} | {', '.join(f'{a:.4f}' for a in acc)} | {statistics.mean(acc):.4f} | {sd:.4f} | {se:.4f} | "
                 f"{statistics.mean(s for _, _, s, _ in runs):.0f} | {statistics.mean(t for _, _, _, t in runs):.0f} |")
text = "\n".join(lines) + "\n"
(out / "summary.md").write_text(text)
print(text)

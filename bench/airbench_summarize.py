#!/usr/bin/env python3
"""Tables from the logs of bench/run-airbench-throughput.sh: every RESULT line with the /usr/bin/time -v figures of
its process, one row per run (run folder, tag), grouped by tag so that repeated rounds sit together.

Usage: python3 bench/airbench_summarize.py [results_dir] [train|infer|numerics]
"""
import glob
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "bench/results/airbench-throughput"
mode = sys.argv[2] if len(sys.argv) > 2 else "train"


def time_v(path):
    if not os.path.exists(path):
        return {}
    text = open(path).read()
    patterns = {"rss": r"Maximum resident set size \(kbytes\): (\d+)", "faults": r"Minor \(reclaiming a frame\) page faults: (\d+)",
                "sys": r"System time \(seconds\): ([\d.]+)", "user": r"User time \(seconds\): ([\d.]+)",
                "wall": r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)"}
    found = {k: re.search(p, text) for k, p in patterns.items()}
    if not all(found.values()):
        return {}
    return {"rss": int(found["rss"].group(1)) // 1024, "faults": int(found["faults"].group(1)),
            "sys": float(found["sys"].group(1)), "user": float(found["user"].group(1)), "wall": found["wall"].group(1)}


rows = []
for folder in sorted(glob.glob(os.path.join(root, "2*"))):
    for log in sorted(glob.glob(os.path.join(folder, "*.log"))):
        t = time_v(log + ".time")
        for line in open(log):
            if line.startswith("RESULT"):
                kv = dict(x.split("=", 1) for x in line.split()[1:])
                if kv["mode"] == mode:
                    rows.append((kv.get("tag", "-"), os.path.basename(folder), kv, t))
rows.sort(key=lambda r: (r[0], r[1]))
if mode == "train":
    print("| run | tag | batch | threads | first epoch img/s | steady img/s | first/steady | step 1 s | CPU ms/img (steady) "
          "| faults/step (steady) | sys s/step (steady) | peak RSS MiB | faults (process) | sys s (process) | wall |")
    print("|" + "---|" * 15)
    for tag, run, kv, t in rows:
        threads = "1" if tag.endswith("-t1") or "-t1-" in tag else "2"
        print(f"| {run} | {tag} | {kv['batch']} | {threads} | {kv['first_epoch_ips']} | {kv['steady_ips']} | {kv['first_over_steady']} "
              f"| {kv['step1_s']} | {kv.get('steady_cpu_ms_per_image', '-')} | {kv['steady_minflt_per_step']} "
              f"| {kv['steady_sys_s_per_step']} | {t.get('rss', kv['peak_rss_mib'])} | {t.get('faults', '-')} | {t.get('sys', '-')} "
              f"| {t.get('wall', '-')} |")
elif mode == "infer":
    print("| run | tag | dispose | batch | img/s | faults/batch | sys s/batch | peak RSS MiB (this batch size) | peak RSS MiB (process) "
          "| faults (process) | sys s (process) |")
    print("|" + "---|" * 11)
    for tag, run, kv, t in rows:
        print(f"| {run} | {tag} | {kv['dispose']} | {kv['batch']} | {kv['ips']} | {kv['minflt_per_batch']} | {kv['sys_s_per_batch']} "
              f"| {kv['peak_rss_mib']} | {t.get('rss', '-')} | {t.get('faults', '-')} | {t.get('sys', '-')} |")
else:
    print("| run | tag | variant | loss | loss - fp32 | logits rel. L2 | gradient rel. L2 | gradient cosine |")
    print("|" + "---|" * 8)
    for tag, run, kv, t in rows:
        print(f"| {run} | {tag} | {kv['variant']} | {kv['loss']} | {kv['loss_diff']} | {kv['logits_rel_l2']} | {kv['grad_rel_l2']} "
              f"| {kv['grad_cosine']} |")

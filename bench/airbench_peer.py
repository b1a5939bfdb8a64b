#!/usr/bin/env python3
"""PyTorch peer of bench/AirbenchThroughput: the same airbench94-shaped CNN, recipe, random data and options.

Network: whitening conv 2x2x24 (+bias, weight frozen) -> GELU -> three groups of [conv3x3 -> maxpool2 -> BatchNorm ->
GELU -> conv3x3 -> BatchNorm -> GELU] (64/256/256; BatchNorm eps 1e-12, momentum 0.6, scale frozen) -> maxpool3 ->
linear 256->10 (no bias) -> x1/9. Nesterov SGD (lr 0.02, momentum 0.85, weight decay 5e-4), cross entropy with label
smoothing 0.2. Variants: fp32; cl (torch.channels_last for the model and the input batches); bf16
(torch.autocast("cpu", dtype=torch.bfloat16)); cl-bf16.

Usage: /usr/bin/python3 bench/airbench_peer.py train|infer [--variant V] [--batch 512] [--steps 4] [--epochs 3]
       [--warmup 0] [--threads 2] [--sizes 64,256,500] [--images 2000] [--tag T] [--sync-loss]
(Debian 12: apt-get install -y python3-torch; PyTorch 1.13.1 with oneDNN 2.6.3.)
"""
import argparse
import contextlib
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VARIANTS = {"fp32": (False, False), "cl": (True, False), "bf16": (False, True), "cl-bf16": (True, True)}

parser = argparse.ArgumentParser()
parser.add_argument("mode", choices=["train", "infer", "numerics"])
parser.add_argument("--variant", default="fp32", choices=sorted(VARIANTS))
parser.add_argument("--batch", type=int, default=512)
parser.add_argument("--steps", type=int, default=4)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--warmup", type=int, default=0)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--sizes", default="64,256,500")
parser.add_argument("--images", type=int, default=2000)
parser.add_argument("--tag", default="-")
parser.add_argument("--sync-loss", action="store_true")
o = parser.parse_args()
channels_last, bf16 = VARIANTS[o.variant]
torch.set_num_threads(o.threads)
torch.manual_seed(1)


def sample():
    """Process-wide minor faults, user and system CPU seconds (all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_minflt, r.ru_utime, r.ru_stime


def status_mib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return -1


def reset_peak():
    """Resets VmHWM to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


class ConvGroup(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.norm2 = norm(cout)
        self.act = nn.GELU()

    def forward(self, x):
        x = self.act(self.norm1(self.pool(self.conv1(x))))
        return self.act(self.norm2(self.conv2(x)))


def norm(channels):
    n = nn.BatchNorm2d(channels, eps=1e-12, momentum=0.6)
    n.weight.requires_grad = False
    return n


class Airbench(nn.Module):
    def __init__(self):
        super().__init__()
        self.whiten = nn.Conv2d(3, 24, 2, padding=0, bias=True)
        self.whiten.weight.requires_grad = False
        self.groups = nn.Sequential(ConvGroup(24, 64), ConvGroup(64, 256), ConvGroup(256, 256))
        self.head = nn.Linear(256, 10, bias=False)
        self.probe = None

    def forward(self, x):
        x = F.gelu(self.whiten(x))
        x = self.groups[0](x)
        if self.probe is None:
            self.probe = f"strides {list(x.stride())} of shape {list(x.shape)}, dtype {x.dtype}"
        x = self.groups[2](self.groups[1](x))
        x = F.max_pool2d(x, 3).flatten(1)
        return self.head(x) * (1 / 9)


def images(count):
    x = torch.randn(count, 3, 32, 32)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


net = Airbench()
if channels_last:
    net = net.to(memory_format=torch.channels_last)
print(f"airbench94-shaped CNN, PyTorch {torch.__version__}, variant {o.variant}, threads {torch.get_num_threads()}, "
      f"LD_PRELOAD={os.environ.get('LD_PRELOAD', '-')}, GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '-')}")
print(f"parameters {sum(p.numel() for p in net.parameters())}, trainable {sum(p.numel() for p in net.parameters() if p.requires_grad)}")
autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext


def train():
    net.train()
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.02, momentum=0.85, nesterov=True,
                          weight_decay=5e-4)
    batches = [(images(o.batch), torch.randint(0, 10, (o.batch,))) for _ in range(4)]
    state = {"step": 0, "loss": float("nan")}

    def step():
        start = time.perf_counter()
        x, y = batches[state["step"] % len(batches)]
        with autocast():
            logits = net(x)
            loss = F.cross_entropy(logits, y, label_smoothing=0.2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if o.sync_loss:
            state["loss"] = loss.item()
        state["step"] += 1
        return time.perf_counter() - start

    reset_peak()
    for w in range(o.warmup):
        print(f"warm-up step {w + 1}: {step():.2f} s")
    rates, faults, system, user, times = [], [], [], [], []
    for epoch in range(1, o.epochs + 1):
        f0, u0, s0 = sample()
        ts, fs, last = [], [], f0
        for _ in range(o.steps):
            ts.append(step())
            now = sample()[0]
            fs.append(now - last)
            last = now
        f1, u1, s1 = sample()
        times += ts
        rates.append(o.steps * o.batch / sum(ts))
        faults.append((f1 - f0) / o.steps)
        system.append((s1 - s0) / o.steps)
        user.append((u1 - u0) / o.steps)
        print(f"epoch {epoch}: {rates[-1]:.1f} images/s, steps {' '.join(f'{t:.2f}' for t in ts)} s, minor faults per step "
              f"{' '.join(f'{f // 1000}k' for f in fs)}; per step: system {system[-1]:.2f} s, user {user[-1]:.2f} s, "
              f"RSS {status_mib('VmRSS:'):.0f} MiB")
    steady = o.steps * (o.epochs - 1) * o.batch / sum(times[o.steps:])
    print(f"first group output: {net.probe}")
    if o.sync_loss:
        print(f"last loss {state['loss']:.4f}")
    print(f"RESULT lang=py mode=train variant={o.variant} tag={o.tag} batch={o.batch} warmup={o.warmup} "
          f"first_epoch_ips={rates[0]:.1f} steady_ips={steady:.1f} first_over_steady={rates[0] / steady:.3f} "
          f"step1_s={times[0]:.2f} median_steady_step_s={statistics.median(times[o.steps:]):.2f} "
          f"steady_minflt_per_step={statistics.mean(faults[1:]):.0f} first_minflt_per_step={faults[0]:.0f} "
          f"steady_sys_s_per_step={statistics.mean(system[1:]):.3f} steady_user_s_per_step={statistics.mean(user[1:]):.3f} "
          f"steady_cpu_ms_per_image={1000 * (statistics.mean(user[1:]) + statistics.mean(system[1:])) / o.batch:.2f} peak_rss_mib={status_mib('VmHWM:'):.0f}")


def infer():
    net.eval()
    with torch.no_grad():
        for size in [int(s) for s in o.sizes.split(",")]:
            x = images(size)
            reset_peak()
            start = time.perf_counter()
            with autocast():
                net(x)
            first = time.perf_counter() - start
            reps = max(3, o.images // size)
            f0, _, s0 = sample()
            start = time.perf_counter()
            for _ in range(reps):
                with autocast():
                    net(x)
            seconds = time.perf_counter() - start
            f1, _, s1 = sample()
            print(f"RESULT lang=py mode=infer variant={o.variant} tag={o.tag} dispose=python batch={size} "
                  f"ips={reps * size / seconds:.1f} first_batch_s={first:.3f} minflt_per_batch={(f1 - f0) / reps:.0f} "
                  f"sys_s_per_batch={(s1 - s0) / reps:.3f} peak_rss_mib={status_mib('VmHWM:'):.0f} reps={reps}")


def numerics():
    """One forward + backward of the same weights and batch in fp32 NCHW and in each other variant."""
    global channels_last, bf16
    torch.manual_seed(7)
    x = torch.randn(256, 3, 32, 32)
    y = torch.randint(0, 10, (256,))

    def run(name):
        cl, half = VARIANTS[name]
        torch.manual_seed(1)
        model = Airbench()
        if cl:
            model = model.to(memory_format=torch.channels_last)
        model.train()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=half):
            logits = model(x.contiguous(memory_format=torch.channels_last) if cl else x)
            loss = F.cross_entropy(logits, y, label_smoothing=0.2)
        loss.backward()
        grad = torch.cat([p.grad.flatten().float() for p in model.parameters() if p.requires_grad])
        return logits.detach().float(), loss.item(), grad

    ref_logits, ref_loss, ref_grad = run("fp32")
    print(f"fp32: loss {ref_loss:.6f}")
    for name in ["cl", "bf16", "cl-bf16"]:
        logits, loss, grad = run(name)
        print(f"RESULT lang=py mode=numerics variant={name} loss={loss:.6f} loss_diff={loss - ref_loss:.2E} "
              f"logits_rel_l2={((logits - ref_logits).norm() / ref_logits.norm()).item():.2E} "
              f"grad_rel_l2={((grad - ref_grad).norm() / ref_grad.norm()).item():.2E} "
              f"grad_cosine={(grad.dot(ref_grad) / (grad.norm() * ref_grad.norm())).item():.6f}")


{"train": train, "infer": infer, "numerics": numerics}[o.mode]()

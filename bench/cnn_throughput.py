#!/usr/bin/env python3
"""PyTorch speed peer for bench/CnnThroughput: the same 6-layer child (all 3x3x36, skips 0->1, 1->2, 0,2->3,
3->4, 2,4->5; conv without bias -> BatchNorm -> ReLU; zero padding bottom/right; leaves concatenated; global average
pool; linear), the same input pipeline (normalised tensors in memory, index_select batches, batched crop+flip by two
gathers), SGD Nesterov 0.9, weight decay 5e-4, cosine lr from 0.05, batch 64. Reports training images/second.

Usage: python3 bench/cnn_throughput.py [cifar_dir] [train_images] [threads]
(Debian 12: apt-get install -y python3-torch libopenblas0-pthread; PyTorch 1.13.1, BLAS via oneDNN/OpenBLAS.)
"""
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

cifar_dir = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/cifar10"
train_count = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
torch.set_num_threads(threads)
torch.manual_seed(1)
rng = np.random.default_rng(1)


def load(name, count):
    raw = np.fromfile(f"{cifar_dir}/{name}", dtype=np.uint8).reshape(-1, 3073)[:count]
    return raw[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0, raw[:, 0].astype(np.int64)


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.norm(self.conv(x)))


def concat_padded(maps):
    if len(maps) == 1:
        return maps[0]
    h = max(m.shape[2] for m in maps)
    w = max(m.shape[3] for m in maps)
    return torch.cat([F.pad(m, (0, w - m.shape[3], 0, h - m.shape[2])) for m in maps], 1)


INPUTS = [[], [0], [1], [0, 2], [3], [2, 4]]


class Child(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(Block(3 if not ins else 36 * len(ins), 36) for ins in INPUTS)
        used = {j for ins in INPUTS for j in ins}
        self.final = [i for i in range(len(INPUTS)) if i not in used]
        self.classifier = nn.Linear(36 * len(self.final), 10)

    def forward(self, x):
        outs = []
        for layer, ins in zip(self.layers, INPUTS):
            outs.append(layer(x if not ins else concat_padded([outs[j] for j in ins])))
        return self.classifier(concat_padded([outs[i] for i in self.final]).mean((2, 3)))


def augment(batch, pad=4):
    n, c, h, w = batch.shape
    padded = F.pad(batch, (pad, pad, pad, pad))
    top = torch.from_numpy(rng.integers(0, 2 * pad + 1, n))
    left = torch.from_numpy(rng.integers(0, 2 * pad + 1, n))
    flip = torch.from_numpy(rng.integers(0, 2, n)).bool()
    rows = (top[:, None] + torch.arange(h)[None, :]).view(n, 1, h, 1).expand(n, c, h, w + 2 * pad)
    cols = torch.arange(w)[None, :].expand(n, w)
    cols = torch.where(flip[:, None], w - 1 - cols, cols) + left[:, None]
    cols = cols.view(n, 1, 1, w).expand(n, c, h, w)
    return padded.gather(2, rows).gather(3, cols)


x, y = load("data_batch_1.bin", train_count)
mean = x.mean(axis=(0, 2, 3), keepdims=True)
std = x.std(axis=(0, 2, 3), keepdims=True)
images = torch.from_numpy((x - mean) / std)
labels = torch.from_numpy(y)

net = Child()
print(f"parameters {sum(p.numel() for p in net.parameters())}, threads {torch.get_num_threads()}, images {len(labels)}")
opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
batch = 64
steps = len(labels) // batch
order = torch.from_numpy(rng.permutation(len(labels)))
net.train()
start = time.perf_counter()
seen = 0
for s in range(steps):
    for g in opt.param_groups:
        g["lr"] = 0.05 * 0.5 * (1 + math.cos(math.pi * s / steps))
    idx = order[s * batch:(s + 1) * batch]
    xb = augment(images.index_select(0, idx))
    loss = F.cross_entropy(net(xb), labels.index_select(0, idx))
    opt.zero_grad()
    loss.backward()
    opt.step()
    seen += len(idx)
elapsed = time.perf_counter() - start
print(f"{seen / elapsed:.1f} images/s over {seen} images ({elapsed:.1f} s), last loss {loss.item():.3f}")

#!/usr/bin/env python3
"""PyTorch speed and accuracy peer of the library's `cifar-recipe` experiment for bench/reference-airbench.json.

Trains the same network with the same recipe on the real CIFAR-10 binary data and scores the test images after every
epoch, so that training images/s and test accuracy can be compared side by side with `bench/Experiments cifar-recipe
--recipe fast|airbench` (bench/run-recipe-vs-peer.sh). Unlike bench/airbench_peer.py (a speed-only probe on random data) this uses the
real data and the full recipe.

Data: the CIFAR-10 binary files data_batch_1.bin .. data_batch_5.bin and test_batch.bin (records of 1 label byte + 3072
bytes: R, G, B planes of 32x32, row-major), scaled by 1/255 and normalised per channel with the mean and population std
of the training images used (the first --train-size records in file order; the test set uses the training statistics).

Network: stem Conv2d(3->24, 2x2, no padding, bias) whose weight is set by patch whitening of the first min(5000, N)
normalised training images (uncentered covariance of all 2x2 patches, eigh, rows eigvec/sqrt(eigval + 5e-4), weight =
[W; -W]) and then frozen (bias trained) -> GELU; six layers conv3x3(pad 1, no bias) [-> MaxPool2d(2, ceil_mode) after
layers 0, 2, 4] -> BatchNorm2d -> GELU with 64, 64, 256, 256, 256, 256 channels (31 -> 16 -> 16 -> 8 -> 8 -> 4 -> 4);
global max pool -> Linear(256 -> 10) (x --logit-scale; the reference uses 1/9). PyTorch default initialisation,
seeded with --seed.

Recipe: batch 512, a fresh permutation every epoch (a last partial batch of >= 2 images is kept); SGD lr 0.4, Nesterov
momentum 0.9, weight decay 5e-4 on every trainable parameter; cross entropy with label smoothing 0.2; per-step
warm-up (20%) + linear decay schedule; Lookahead (k 5, alpha 0.5) over the trainable parameters; random crop after zero
padding 2 (in normalised space) + horizontal flip; evaluation after every epoch with flip test-time augmentation in
batches of 500. Variants: fp32; cl (torch.channels_last for the model and the input batches); bf16 (forward + loss
under torch.autocast("cpu", dtype=torch.bfloat16)); cl-bf16.

Output: `EPOCH e minutes=M test_accuracy=A train_images_per_s=R` per epoch (minutes since the start of training,
excluding data loading and whitening; R = training images / seconds in training steps of that epoch, evaluation
excluded) and a final `RESULT lang=py variant=V epochs=E test_accuracy=A minutes=M train_images_per_s=R
peak_rss_mib=X` (R = all training images / all training-step seconds, as the library's ExamplesPerSecond).

Usage: /usr/bin/python3 bench/airbench_recipe_peer.py [--data-dir ../shared/data/cifar10] [--train-size N]
       [--test-size N] [--epochs 10] [--seed 1] [--threads 2] [--variant fp32|cl|bf16|cl-bf16] [--batch-size 512]
       [--lr 0.4] [--momentum 0.9] [--nesterov|--no-nesterov] [--weight-decay 5e-4] [--label-smoothing 0.2]
       [--schedule warmup-linear|cosine|constant] [--warmup-fraction 0.2] [--lookahead-steps 5]
       [--lookahead-alpha 0.5] [--padding 2] [--no-augment] [--eval-batch-size 500] [--no-tta]
       [--activation gelu|relu] [--head max|avg] [--no-stem] [--check-whitening] [--time-augment] [--log-steps]
       [--freeze-bn-scale] [--bn-shift-lr-scale 1] [--logit-scale 1] [--recipe fast|airbench]
  e.g. smoke test: /usr/bin/python3 bench/airbench_recipe_peer.py --train-size 2000 --test-size 500 --epochs 2 --threads 1
(Debian 12: apt-get install -y python3-torch; PyTorch 1.13.)
"""
import argparse
import contextlib
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VARIANTS = {"fp32": (False, False), "cl": (True, False), "bf16": (False, True), "cl-bf16": (True, True)}
DEFAULT_DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                                             "cifar10"))
RECORD = 1 + 3 * 32 * 32
WHITEN_IMAGES = 5000
WHITEN_EPS = 5e-4

parser = argparse.ArgumentParser(description="PyTorch peer of `cifar-recipe` for bench/reference-airbench.json.")
parser.add_argument("--data-dir", default=DEFAULT_DATA)
parser.add_argument("--train-size", type=int, default=None, help="first N training records (default all 50,000)")
parser.add_argument("--test-size", type=int, default=None, help="first N test records (default all 10,000)")
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--variant", default="fp32", choices=list(VARIANTS))
parser.add_argument("--batch-size", type=int, default=512)
parser.add_argument("--lr", type=float, default=0.4)
parser.add_argument("--momentum", type=float, default=0.9)
parser.add_argument("--nesterov", action=argparse.BooleanOptionalAction, default=True)
parser.add_argument("--weight-decay", type=float, default=5e-4)
parser.add_argument("--label-smoothing", type=float, default=0.2)
parser.add_argument("--schedule", default="warmup-linear", choices=["warmup-linear", "cosine", "constant"])
parser.add_argument("--warmup-fraction", type=float, default=0.2)
parser.add_argument("--lookahead-steps", type=int, default=5, help="0 = off")
parser.add_argument("--lookahead-alpha", type=float, default=0.5)
parser.add_argument("--padding", type=int, default=2)
parser.add_argument("--no-augment", action="store_true")
parser.add_argument("--eval-batch-size", type=int, default=500)
parser.add_argument("--no-tta", action="store_true")
parser.add_argument("--activation", default="gelu", choices=["gelu", "relu"])
parser.add_argument("--head", default="max", choices=["max", "avg"])
parser.add_argument("--no-stem", action="store_true", help="plain conv3x3 3->24 + BN + activation instead of whitening")
parser.add_argument("--check-whitening", action="store_true", help="print the stem outputs' covariance on the patches")
parser.add_argument("--time-augment", action="store_true", help="print the share of step time spent on augmentation")
parser.add_argument("--log-steps", action="store_true", help="print the learning rate and loss of every step")
parser.add_argument("--freeze-bn-scale", action="store_true", help="BatchNorm weights stay 1 (shift only trains)")
parser.add_argument("--bn-shift-lr-scale", type=float, default=1.0,
                    help="factor on the BatchNorm biases' lr; their weight decay is divided by it")
parser.add_argument("--logit-scale", type=float, default=1.0, help="fixed factor on the logits")
parser.add_argument("--recipe", default="fast", choices=["fast", "airbench"],
                    help="airbench: the library's `cifar-recipe --recipe airbench` (lr 0.75, momentum 0.85, weight decay "
                         "0.0153*512/7850.7/0.75, BatchNorm scale frozen, shift lr x64) and the reference's logit "
                         "scale 1/9; flags given explicitly are overridden by it")
o = parser.parse_args()
if o.recipe == "airbench":
    o.lr, o.momentum = 0.75, 0.85
    o.weight_decay = 0.0153 * 512 / (1024 * (1 + 1 / (1 - 0.85))) / 0.75
    o.freeze_bn_scale, o.bn_shift_lr_scale, o.logit_scale = True, 64.0, 1 / 9
if o.batch_size < 2:
    parser.error("--batch-size must be >= 2")
channels_last, bf16 = VARIANTS[o.variant]
torch.set_num_threads(o.threads)
torch.manual_seed(o.seed)
memory_format = torch.channels_last if channels_last else torch.contiguous_format


def status_mib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return -1


def find_data_dir(path):
    """The directory at or below path that holds data_batch_1.bin."""
    for root, _, files in os.walk(path):
        if "data_batch_1.bin" in files and "test_batch.bin" in files:
            return root
    raise SystemExit(f"no CIFAR-10 binary files (data_batch_1.bin, test_batch.bin) under {path}")


def load(directory, names, limit):
    """The first `limit` records of the files in order: uint8 images [n, 3, 32, 32] and int64 labels [n]."""
    chunks, remaining = [], limit
    for name in names:
        if remaining is not None and remaining <= 0:
            break
        raw = np.fromfile(os.path.join(directory, name), dtype=np.uint8)
        raw = raw.reshape(-1, RECORD)
        if remaining is not None:
            raw = raw[:remaining]
            remaining -= len(raw)
        chunks.append(raw)
    raw = np.concatenate(chunks)
    if limit is not None and len(raw) < limit:
        raise SystemExit(f"asked for {limit} records, the files hold {len(raw)}")
    labels = torch.from_numpy(raw[:, 0].astype(np.int64))
    images = torch.from_numpy(np.ascontiguousarray(raw[:, 1:])).view(-1, 3, 32, 32)
    return images, labels


def activation(x):
    return F.gelu(x) if o.activation == "gelu" else F.relu(x)


class Net(nn.Module):
    CHANNELS = [64, 64, 256, 256, 256, 256]
    POOL_AFTER = {0, 2, 4}

    def __init__(self):
        super().__init__()
        if o.no_stem:
            self.stem = nn.Conv2d(3, 24, 3, padding=1, bias=False)
            self.stem_norm = nn.BatchNorm2d(24)
        else:
            self.stem = nn.Conv2d(3, 24, 2, padding=0, bias=True)
            self.stem_norm = None
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        cin = 24
        for cout in self.CHANNELS:
            self.convs.append(nn.Conv2d(cin, cout, 3, padding=1, bias=False))
            self.norms.append(nn.BatchNorm2d(cout))
            cin = cout
        self.head = nn.Linear(cin, 10, bias=True)
        self.shapes = None

    def forward(self, x):
        shapes = [tuple(x.shape)]
        x = self.stem(x)
        if self.stem_norm is not None:
            x = self.stem_norm(x)
        x = activation(x)
        shapes.append(tuple(x.shape))
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            x = conv(x)
            if i in self.POOL_AFTER:
                x = F.max_pool2d(x, 2, 2, ceil_mode=True)
            x = activation(norm(x))
            shapes.append(tuple(x.shape))
        x = x.amax(dim=(2, 3)) if o.head == "max" else x.mean(dim=(2, 3))
        x = self.head(x)
        if o.logit_scale != 1.0:
            x = x * o.logit_scale
        shapes.append(tuple(x.shape))
        if self.shapes is None:
            self.shapes = shapes
        return x


def patch_covariance(images):
    """Uncentered covariance (float64, [12, 12]) of all 2x2 stride-1 patches, flattened in (channel, row, col) order."""
    c = torch.zeros(12, 12, dtype=torch.float64)
    count = 0
    for start in range(0, len(images), 500):
        p = F.unfold(images[start:start + 500], kernel_size=2)  # [n, 12, 31*31], rows ordered (channel, row, col)
        p = p.transpose(1, 2).reshape(-1, 12).double()
        c += p.T @ p
        count += len(p)
    return c / count


def whiten(net, images):
    """Sets the stem weight to [W; -W] with W = eigenvectors^T / sqrt(eigenvalues + eps), freezes it, zeroes the bias."""
    c = patch_covariance(images)
    eigenvalues, eigenvectors = torch.linalg.eigh(c)  # ascending; eigenvectors in columns
    w = eigenvectors.T / torch.sqrt(eigenvalues + WHITEN_EPS)[:, None]
    w = w.reshape(12, 3, 2, 2)
    with torch.no_grad():
        net.stem.weight.copy_(torch.cat([w, -w]).float())
        net.stem.bias.zero_()
    net.stem.weight.requires_grad = False
    return c, eigenvalues


def check_whitening(net, images, c, eigenvalues):
    """Covariance of the 24 stem channels (pre-bias, pre-activation) over the patches: [[D, -D], [-D, D]],
    D = diag(eigenvalue / (eigenvalue + eps)) close to I. Measured from the conv outputs and from W C W^T."""
    w = net.stem.weight.detach().double().reshape(24, 12)
    predicted = w @ c @ w.T
    with torch.no_grad():
        out = F.conv2d(images, net.stem.weight)  # [n, 24, 31, 31]
    y = out.permute(0, 2, 3, 1).reshape(-1, 24).double()
    measured = y.T @ y / len(y)
    half = measured[:12, :12]
    eye = torch.eye(12, dtype=torch.float64)
    block = torch.cat([torch.cat([eye, -eye], 1), torch.cat([-eye, eye], 1)])
    off = half - torch.diag(torch.diagonal(half))
    print(f"whitening check on {len(images)} images ({len(y)} patches): 12-channel covariance diagonal "
          f"{torch.diagonal(half).min().item():.4f}..{torch.diagonal(half).max().item():.4f}, max |off-diagonal| "
          f"{off.abs().max().item():.2e}, max |cov24 - [[I,-I],[-I,I]]| {(measured - block).abs().max().item():.2e}, "
          f"max |measured - W C W^T| {(measured - predicted).abs().max().item():.2e}; patch eigenvalues "
          f"{eigenvalues[0].item():.2e}..{eigenvalues[-1].item():.2e}")


def lr_at(step, total):
    if o.schedule == "constant":
        return o.lr
    if o.schedule == "cosine":
        return o.lr * 0.5 * (1 + math.cos(math.pi * step / total))
    warmup = max(1, round(total * o.warmup_fraction))
    if step < warmup:
        return o.lr * (step + 1) / warmup
    return o.lr * max(0, total - step) / max(1, total - warmup)


def augment(x):
    """Random crop (offsets 0..2*padding for rows and columns, per image) after zero padding, and a horizontal flip with
    probability 1/2 per image: one advanced-indexing gather on the padded batch in NHWC order. The result is NCHW-shaped;
    its memory is channels_last (permute of contiguous NHWC), made contiguous for the fp32/bf16 variants."""
    n, _, h, w = x.shape
    p = o.padding
    padded = F.pad(x, (p, p, p, p)).permute(0, 2, 3, 1)  # [n, h + 2p, w + 2p, c] (a view)
    top = torch.randint(0, 2 * p + 1, (n,))
    left = torch.randint(0, 2 * p + 1, (n,))
    flip = torch.rand(n) < 0.5
    ar_h = torch.arange(h)
    ar_w = torch.arange(w)
    rows = top[:, None] + ar_h[None, :]  # [n, h]
    cols = left[:, None] + torch.where(flip[:, None], (w - 1 - ar_w)[None, :], ar_w[None, :])  # [n, w]
    out = padded[torch.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]  # [n, h, w, c], contiguous
    return out.permute(0, 3, 1, 2)


def main():
    data_dir = find_data_dir(o.data_dir)
    train_u8, train_y = load(data_dir, [f"data_batch_{i}.bin" for i in range(1, 6)], o.train_size)
    test_u8, test_y = load(data_dir, ["test_batch.bin"], o.test_size)
    train_x = train_u8.float().div_(255)
    test_x = test_u8.float().div_(255)
    mean = train_x.double().mean(dim=(0, 2, 3))
    std = train_x.double().std(dim=(0, 2, 3), unbiased=False)
    train_x = ((train_x - mean.float()[None, :, None, None]) / std.float()[None, :, None, None]).contiguous()
    test_x = ((test_x - mean.float()[None, :, None, None]) / std.float()[None, :, None, None]).contiguous()
    n_train, n_test = len(train_x), len(test_x)

    net = Net()
    if not o.no_stem:
        whiten_x = train_x[:min(WHITEN_IMAGES, n_train)]
        c, eigenvalues = whiten(net, whiten_x)
        if o.check_whitening:
            check_whitening(net, whiten_x, c, eigenvalues)
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
        test_x = test_x.contiguous(memory_format=torch.channels_last)
    if o.freeze_bn_scale:
        for norm in net.norms:
            norm.weight.requires_grad = False
    trainable = [p for p in net.parameters() if p.requires_grad]
    frozen = [p for p in net.parameters() if not p.requires_grad]
    n_trainable = sum(p.numel() for p in trainable)
    n_frozen = sum(p.numel() for p in frozen)
    if o.no_stem or o.freeze_bn_scale:
        expected = None
    else:
        convs = 24 * 64 * 9 + 64 * 64 * 9 + 64 * 256 * 9 + 3 * 256 * 256 * 9
        bn = 2 * (64 + 64 + 256 * 4)
        expected_trainable = 24 + convs + bn + 256 * 10 + 10
        expected = (expected_trainable, 288)
    print(f"airbench recipe peer, PyTorch {torch.__version__}, variant {o.variant}, threads {torch.get_num_threads()}, "
          f"data {data_dir}: {n_train} training / {n_test} test images; train mean "
          f"{', '.join(f'{v:.4f}' for v in mean.tolist())}, std {', '.join(f'{v:.4f}' for v in std.tolist())}")
    print(f"parameters: trainable {n_trainable}, frozen {n_frozen}, total {n_trainable + n_frozen}"
          + (f" (by hand: trainable {expected[0]} = stem bias 24 + convs {convs} + BN {bn} + linear 2570; frozen "
             f"{expected[1]}; {'match' if (n_trainable, n_frozen) == expected else 'MISMATCH'})" if expected else ""))
    print("settings " + " ".join(f"{k.replace('_', '-')}={v}" for k, v in vars(o).items()))

    net.eval()
    with torch.no_grad():
        net(test_x[:2])
    print("shapes " + " -> ".join("x".join(str(d) for d in s[1:]) for s in net.shapes))

    shifts = [norm.bias for norm in net.norms] if o.bn_shift_lr_scale != 1.0 else []
    others = [p for p in trainable if all(p is not q for q in shifts)]
    groups = [dict(params=others, lr=o.lr, weight_decay=o.weight_decay, scale=1.0)]
    if shifts:
        groups.append(dict(params=shifts, lr=o.lr * o.bn_shift_lr_scale, weight_decay=o.weight_decay / o.bn_shift_lr_scale,
                           scale=o.bn_shift_lr_scale))
    opt = torch.optim.SGD(groups, lr=o.lr, momentum=o.momentum, nesterov=o.nesterov, weight_decay=o.weight_decay)
    slow = [p.detach().clone() for p in trainable] if o.lookahead_steps > 0 else None
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    batch = o.batch_size
    steps_per_epoch = n_train // batch + (1 if n_train % batch >= 2 else 0)
    images_per_epoch = min(n_train, steps_per_epoch * batch)
    total_steps = steps_per_epoch * o.epochs
    step = 0

    def evaluate():
        net.eval()
        correct = 0
        with torch.no_grad(), autocast():
            for start in range(0, n_test, o.eval_batch_size):
                x = test_x[start:start + o.eval_batch_size]
                logits = net(x).float()
                if not o.no_tta:
                    logits = (logits + net(x.flip(3)).float()) / 2
                correct += (logits.argmax(1) == test_y[start:start + o.eval_batch_size]).sum().item()
        return correct / n_test

    start_clock = time.perf_counter()
    train_seconds, aug_seconds, accuracy = 0.0, 0.0, float("nan")
    for epoch in range(1, o.epochs + 1):
        net.train()
        epoch_start = time.perf_counter()
        aug_epoch = 0.0
        order = torch.randperm(n_train)
        for b in range(steps_per_epoch):
            index = order[b * batch:(b + 1) * batch]
            a0 = time.perf_counter()
            x = train_x[index]
            if not o.no_augment:
                x = augment(x)
            x = x.contiguous(memory_format=memory_format)
            aug_epoch += time.perf_counter() - a0
            y = train_y[index]
            for group in opt.param_groups:
                group["lr"] = lr_at(step, total_steps) * group["scale"]
            with autocast():
                loss = F.cross_entropy(net(x), y, label_smoothing=o.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if o.log_steps:
                print(f"step {step} lr={opt.param_groups[0]['lr']:.4f} loss={loss.item():.4f}", flush=True)
            step += 1
            if slow is not None and step % o.lookahead_steps == 0:
                with torch.no_grad():
                    for s, p in zip(slow, trainable):
                        s.add_(p.detach() - s, alpha=o.lookahead_alpha)
                        p.copy_(s)
        epoch_train = time.perf_counter() - epoch_start
        train_seconds += epoch_train
        aug_seconds += aug_epoch
        accuracy = evaluate()
        minutes = (time.perf_counter() - start_clock) / 60
        print(f"EPOCH {epoch} minutes={minutes:.2f} test_accuracy={accuracy:.4f} "
              f"train_images_per_s={images_per_epoch / epoch_train:.1f}"
              + (f" augment_share={aug_epoch / epoch_train:.4f} last_loss={loss.item():.4f}" if o.time_augment else ""),
              flush=True)
    minutes = (time.perf_counter() - start_clock) / 60
    if o.time_augment:
        print(f"augmentation (batch gather + crop/flip + layout): {1000 * aug_seconds / (step or 1):.2f} ms per step, "
              f"{100 * aug_seconds / train_seconds:.2f}% of training-step time")
    print(f"RESULT lang=py variant={o.variant} epochs={o.epochs} test_accuracy={accuracy:.4f} minutes={minutes:.2f} "
          f"train_images_per_s={images_per_epoch * o.epochs / train_seconds:.1f} peak_rss_mib={status_mib('VmHWM:'):.0f}")


main()

"""PyTorch speed peer of bench/LanguageModelThroughput's LSTM baseline (not a dependency; for comparison only).

Same model and step as LanguageModelTrainer: embedding 200 -> dropout 0.2 -> 2 single-layer LSTMs of 200 with dropout
between -> dropout -> Linear(200, 10000); batch 20, BPTT 35, cross-entropy, clip grad norm 0.25, plain SGD lr 20.
Usage: OPENBLAS_NUM_THREADS=1 python3 bench/ptb_lstm_peer.py [ptb_folder] [threads] [steps]
"""
import os
import sys
import time

import torch
import torch.nn as nn

folder = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/ptb"
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 40
torch.set_num_threads(threads)
torch.manual_seed(1)


def words(name):
    with open(os.path.join(folder, name)) as f:
        for line in f:
            yield from line.split()
            yield "<eos>"


ids = {}
for w in words("ptb.train.txt"):
    ids.setdefault(w, len(ids))
train = torch.tensor([ids[w] for w in words("ptb.train.txt")], dtype=torch.long)
batch, bptt, hidden = 20, 35, 200
length = train.numel() // batch
data = train[: batch * length].view(batch, length)  # batch-major, as TokenBatches


class Model(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.drop = nn.Dropout(0.2)
        self.encoder = nn.Embedding(vocab, hidden)
        self.layers = nn.ModuleList([nn.LSTM(hidden, hidden) for _ in range(2)])
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, x, h, c):
        x = self.drop(self.encoder(x))
        hs, cs = [], []
        for i, layer in enumerate(self.layers):
            x, (hn, cn) = layer(x, (h[i : i + 1], c[i : i + 1]))
            x = self.drop(x)
            hs.append(hn)
            cs.append(cn)
        return self.decoder(x.reshape(-1, hidden)), torch.cat(hs), torch.cat(cs)


model = Model(len(ids))
params = list(model.parameters())
h = torch.zeros(2, batch, hidden)
c = torch.zeros(2, batch, hidden)


def step(i):
    global h, c
    x = data[:, i : i + bptt].t()
    y = data[:, i + 1 : i + 1 + bptt].t().reshape(-1)
    logits, hn, cn = model(x, h, c)
    loss = nn.functional.cross_entropy(logits, y)
    model.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(params, 0.25)
    with torch.no_grad():
        for p in params:
            p.add_(p.grad, alpha=-20.0)
    h, c = hn.detach(), cn.detach()
    return loss.item()


model.train()
for i in range(3):
    step(i * bptt)
start = time.perf_counter()
for i in range(steps):
    loss = step((3 + i) * bptt)
elapsed = time.perf_counter() - start
print(f"PyTorch {torch.__version__} LSTM 2x200, vocab {len(ids)}, threads {torch.get_num_threads()}: "
      f"{steps * batch * bptt / elapsed:,.0f} tokens/s over {steps} steps (last loss {loss:.3f})")

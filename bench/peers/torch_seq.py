#!/usr/bin/python3
"""Bench 3 peer: the model mlpipe's sequence trainer builds, trained in PyTorch (Python).

Same shapes as bench/pipelines/seq.yaml: windows of 32 events x 17 inputs (16 features and the
log time gap), a linear input layer to 64, then LSTM / GRU (1 layer, 64) or a Transformer encoder
(1 layer, 4 heads, feed-forward 128, sinusoidal positions), a linear head, BCE with logits,
AdamW lr 1e-3, batch 256, 50 steps, 2 threads. Prints samples/s over the 50 steps.
Usage: torch_seq.py lstm|gru|transformer
"""
import math
import sys
import time

import torch

arch = sys.argv[1]
torch.set_num_threads(2)
torch.manual_seed(0)
T, F, H, B, STEPS = 32, 17, 64, 256, 50


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.input = torch.nn.Linear(F, H)
        if arch == "lstm":
            self.rnn = torch.nn.LSTM(H, H, batch_first=True)
        elif arch == "gru":
            self.rnn = torch.nn.GRU(H, H, batch_first=True)
        else:
            layer = torch.nn.TransformerEncoderLayer(H, 4, dim_feedforward=2 * H, dropout=0.0)
            self.encoder = torch.nn.TransformerEncoder(layer, 1)
            pe = torch.zeros(T, H)
            for p in range(T):
                for i in range(H):
                    angle = p / math.pow(10000.0, 2 * (i // 2) / H)
                    pe[p, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
            self.register_buffer("positions", pe)
        self.head = torch.nn.Linear(H, 1)

    def forward(self, x, mask):
        h = self.input(x) * mask.unsqueeze(2)
        if arch in ("lstm", "gru"):
            last = self.rnn(h)[0][:, -1]
        else:
            seq = (h + self.positions.unsqueeze(0)).transpose(0, 1)
            last = self.encoder(seq, src_key_padding_mask=~mask.bool())[-1]
        return self.head(last).squeeze(1)


net = Net()
opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
loss_fn = torch.nn.BCEWithLogitsLoss()
xs = torch.randn(STEPS, B, T, F)
masks = torch.ones(STEPS, B, T)
ys = (torch.rand(STEPS, B) < 0.2).float()
t0 = time.perf_counter()
for s in range(STEPS):
    opt.zero_grad()
    loss = loss_fn(net(xs[s], masks[s]), ys[s])
    loss.backward()
    opt.step()
elapsed = time.perf_counter() - t0
print(f"{STEPS * B / elapsed:.1f}")

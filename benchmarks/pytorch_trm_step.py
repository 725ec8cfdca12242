"""The seed TRM's training step in PyTorch, for a side-by-side speed ratio with TRMKit.

Same model and shapes as Programs/trm/kernel.swift with its default hyperparameters (D=64, 2 post-norm
blocks with an MLP over the sequence, SwiGLU, T=1, n=2, batch 64, 6x6 Sudoku: 36 tokens + 1 puzzle
position, vocab 8): one supervision step = embed, 3 network calls with gradients, heads, stable-max CE
+ 0.5 BCE, backward, AdamW. Prints seconds per step at the given thread count: wall time, or with `cpu`
the process's CPU time (user + system), which a shared machine's load distorts less.
Usage: python3 benchmarks/pytorch_trm_step.py [threads] [steps] [wall|cpu]
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
CLOCK = time.process_time if len(sys.argv) > 3 and sys.argv[3] == "cpu" else time.perf_counter
torch.set_num_threads(THREADS)
torch.manual_seed(0)

D, LAYERS, N, T, BATCH, SEQ, PREFIX, VOCAB = 64, 2, 2, 1, 64, 36, 1, 8
L = SEQ + PREFIX


def hidden(width, expansion=4.0):
    raw = round(expansion * width * 2 / 3)
    return (raw + 15) // 16 * 16


def rms(x, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


class SwiGLU(nn.Module):
    def __init__(self, width):
        super().__init__()
        h = hidden(width)
        self.gate_up = nn.Linear(width, 2 * h, bias=False)
        self.down = nn.Linear(h, width, bias=False)

    def forward(self, x):
        gate, up = self.gate_up(x).chunk(2, dim=-1)
        return self.down(F.silu(gate) * up)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.mixer = SwiGLU(L)
        self.mlp = SwiGLU(D)

    def forward(self, h):
        h = rms(h + self.mixer(h.transpose(1, 2)).transpose(1, 2))
        return rms(h + self.mlp(h))


class TRM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D)
        self.puzzle = nn.Embedding(1, D)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.head = nn.Linear(D, VOCAB, bias=False)
        self.q = nn.Linear(D, 1)
        self.register_buffer("y0", torch.randn(D))
        self.register_buffer("z0", torch.randn(D))

    def net(self, h, inj):
        h = h + inj
        for b in self.blocks:
            h = b(h)
        return h

    def forward(self, tokens, y, z):
        x = torch.cat([self.puzzle(torch.zeros(tokens.shape[0], PREFIX, dtype=torch.long)), self.embed(tokens) * D**0.5], 1)
        with torch.no_grad():
            for _ in range(T - 1):
                for _ in range(N):
                    z = self.net(z, x + y)
                y = self.net(y, z)
        for _ in range(N):
            z = self.net(z, x + y)
        y = self.net(y, z)
        return y, z, self.head(y[:, PREFIX:]), self.q(y[:, 0]).squeeze(-1)


def stablemax_ce(logits, labels):
    s = torch.where(logits >= 0, logits + 1, 1 / (1 - logits)).double()
    p = s / s.sum(-1, keepdim=True)
    return -torch.log(p.gather(-1, labels.unsqueeze(-1)).clamp_min(1e-30)).mean()


model = TRM()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.1)
tokens = torch.randint(1, VOCAB, (BATCH, SEQ))
labels = torch.randint(2, VOCAB, (BATCH, SEQ))
y = model.y0.expand(BATCH, L, D).clone()
z = model.z0.expand(BATCH, L, D).clone()


def step():
    global y, z
    y2, z2, logits, q = model(tokens, y, z)
    correct = (logits.argmax(-1) == labels).all(-1).float()
    loss = stablemax_ce(logits.reshape(-1, VOCAB), labels.reshape(-1)) + 0.5 * F.binary_cross_entropy_with_logits(q, correct)
    opt.zero_grad()
    loss.backward()
    opt.step()
    y, z = y2.detach(), z2.detach()


for _ in range(5):
    step()
start = CLOCK()
for _ in range(STEPS):
    step()
print(f"{(CLOCK() - start) / STEPS:.4f}")

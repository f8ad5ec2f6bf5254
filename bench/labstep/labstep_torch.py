#!/usr/bin/python3
"""PyTorch side of bench/labstep: one training step (forward, backward,
AdamW) of the scaling lab's model, written here from lib/lab's layers at the
sizes the Go program prints (pass them as flags):

  vision tower  patches (reshape) -> linear+bias -> quick_gelu -> linear+bias,
                plus a learned position table
  fusion        [vision ‖ question ‖ N−1 placeholders ‖ eos] through a causal
                Llama-style decoder (RMSNorm 1e-6, RoPE, SwiGLU MLP of 2×hidden,
                no biases) with a padding mask, final RMSNorm
  fused tokens  gathered at the N query positions -> bottleneck (token width)
                -> projection to the LLM width
  LLM           [<s> ‖ N fused ‖ question ‖ [/INST]] through a Llama-style
                decoder (RMSNorm 1e-5), the [/INST] state -> lm_head
  loss          cross-entropy of the answer word; AdamW(lr 3e-3, betas 0.9,
                0.999, eps 1e-8, weight decay 1e-4)

Inputs are random of the same shapes (values do not change the work).

usage: labstep_torch.py --batch 64 --n 8 --image 16 --patch 8 --vision 4 --question 6
       --vocab 87 --hidden 16 --fusion_layers 2 --llm_layers 1 --heads 2 --llm_hidden 16
       --token_width 4 [--steps 10] [--threads N]
"""
import argparse
import math
import statistics
import time

import torch


class Decoder(torch.nn.Module):
    def __init__(self, width, layers, heads, eps):
        super().__init__()
        self.heads, self.eps, self.hd = heads, eps, width // heads
        lin = lambda a, b: torch.nn.Linear(a, b, bias=False)
        self.layers = torch.nn.ModuleList()
        for _ in range(layers):
            L = torch.nn.Module()
            L.ln1, L.ln2 = torch.nn.Parameter(torch.ones(width)), torch.nn.Parameter(torch.ones(width))
            L.q, L.k, L.v, L.o = (lin(width, width) for _ in range(4))
            L.gate, L.up, L.down = lin(width, 2 * width), lin(width, 2 * width), lin(2 * width, width)
            self.layers.append(L)
        self.norm = torch.nn.Parameter(torch.ones(width))
        self.inv = 1.0 / 1e4 ** (torch.arange(0, self.hd, 2).float() / self.hd)

    def rms(self, x, w):
        return w * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)

    def rope(self, x, cos, sin):
        x1, x2 = x[..., : self.hd // 2], x[..., self.hd // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    def forward(self, x, valid):  # x [B, T, W], valid [B, T] bool
        B, T, W = x.shape
        f = torch.arange(T).float()[:, None] * self.inv[None, :]
        emb = torch.cat([f, f], -1)
        cos, sin = emb.cos(), emb.sin()
        mask = (torch.arange(T)[None, :] <= torch.arange(T)[:, None])[None, None] & valid[:, None, None, :]
        for L in self.layers:
            h = self.rms(x, L.ln1)
            q, k, v = (p(h).view(B, T, self.heads, self.hd).transpose(1, 2) for p in (L.q, L.k, L.v))
            q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
            s = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
            s = s.masked_fill(~mask, torch.finfo(s.dtype).min)
            a = torch.softmax(s, -1) @ v
            x = x + L.o(a.transpose(1, 2).reshape(B, T, W))
            h = self.rms(x, L.ln2)
            g = L.gate(h)
            x = x + L.down(g * torch.sigmoid(g) * L.up(h))
        return self.rms(x, self.norm)


class LabModel(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        self.a = a
        H, D, W = a.hidden, a.llm_hidden, a.token_width or a.hidden
        self.patch = torch.nn.Linear(a.patch * a.patch * 3, H)
        self.mlp = torch.nn.Linear(H, H)
        self.pos = torch.nn.Parameter(torch.randn(a.vision, H))
        self.fembed = torch.nn.Embedding(a.vocab + a.n - 1, H)
        self.fusion = Decoder(H, a.fusion_layers, a.heads, 1e-6)
        self.bottleneck = torch.nn.Linear(H, W, bias=False) if a.token_width else None
        self.proj = torch.nn.Linear(W, D, bias=False)
        self.lembed = torch.nn.Embedding(a.vocab, D)
        self.llm = Decoder(D, a.llm_layers, a.heads, 1e-5)
        self.head = torch.nn.Linear(D, a.vocab, bias=False)

    def forward(self, pix, fids, fok, fused_idx, lids, lok, ans):
        a = self.a
        B, S = pix.shape[0], pix.shape[1]
        P, G = a.patch, S // a.patch
        x = pix.view(B, G, P, G, P, 3).permute(0, 1, 3, 2, 4, 5).reshape(B * G * G, P * P * 3)
        x = self.patch(x)
        x = self.mlp(x * torch.sigmoid(1.702 * x))
        vis = x.view(B, G * G, -1) + self.pos
        fx = torch.cat([vis, self.fembed(fids[:, a.vision:])], 1) * fok[..., None]
        h = self.fusion(fx, fok)
        fused = h.reshape(-1, h.shape[-1])[fused_idx]
        if self.bottleneck is not None:
            fused = self.bottleneck(fused)
        proj = self.proj(fused).view(B, a.n, -1)
        emb = self.lembed(lids)
        lx = torch.cat([emb[:, :1], proj, emb[:, 1 + a.n:]], 1)
        out = self.llm(lx, lok)
        return self.head(out[torch.arange(B), ans])


def time_steps(step, steps):
    """Runs step twice (warm-up), then steps times, and prints the median
    and the fastest seconds of one step as step_s and step_min_s
    (bench/toystep/toystep_torch.py uses it too)."""
    for _ in range(2):
        step()
    ts = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        ts.append(time.perf_counter() - t)
    print("step_s %.6f\nstep_min_s %.6f" % (statistics.median(ts), min(ts)))


def main():
    ap = argparse.ArgumentParser()
    for k in ("batch", "n", "image", "patch", "vision", "question", "vocab", "hidden", "fusion_layers",
              "llm_layers", "heads", "llm_hidden", "token_width"):
        ap.add_argument("--" + k, type=int, required=True)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    m = LabModel(a)
    opt = torch.optim.AdamW(m.parameters(), lr=3e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-4)
    B, T, L = a.batch, a.vision + a.question + a.n, 1 + a.n + a.question + 1
    pix = torch.rand(B, a.image, a.image, 3) * 2 - 1
    fids = torch.randint(0, a.vocab, (B, T))
    fok = torch.ones(B, T, dtype=torch.bool)
    fok[:, a.vision + a.question - 2: a.vision + a.question] = False  # some question padding
    fused_idx = (torch.arange(B)[:, None] * T + torch.arange(T - a.n, T)[None, :]).reshape(-1)
    lids = torch.randint(0, a.vocab, (B, L))
    lok = torch.ones(B, L, dtype=torch.bool)
    ans = torch.full((B,), L - 1)
    labels = torch.randint(0, a.vocab, (B,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(m(pix, fids, fok, fused_idx, lids, lok, ans), labels)
        loss.backward()
        opt.step()
        return loss.item()

    print("# PyTorch %s, %d thread(s)" % (torch.__version__, torch.get_num_threads()))
    print("impl torch\nparams %d" % sum(p.numel() for p in m.parameters()))
    time_steps(step, a.steps)


if __name__ == "__main__":
    main()

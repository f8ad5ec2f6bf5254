#!/usr/bin/python3
"""Runs the Llama configuration of a config.json (random weights, float32)
in PyTorch with the same workloads as lib/llama's Go benchmarks and prints
tokens/s, one "name value" line each:

  forward   one sequence of 128 tokens, full forward (logits for every position)
  generate  greedy decoding with a KV cache: 16 prompt tokens, 64 new tokens

The model is written here from the Hugging Face Llama semantics (RMSNorm in
float32, rotate-half RoPE, grouped-query attention, SwiGLU, untied head) so
that it needs only Debian's python3-torch.

usage: llama_torch.py CONFIG.json [--threads N] [--repeats R] [--workload forward|generate|all]
"""
import argparse
import json
import math
import time

import torch

PROMPT_LEN, GEN_PROMPT, GEN_NEW = 128, 16, 64


class Llama(torch.nn.Module):
    """A Llama decoder; head=False leaves out the untied output head (a decoder
    used over embeddings, such as the fusion module of bench/toystep)."""

    def __init__(self, c, head=True):
        super().__init__()
        self.c = c
        h, i, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
        self.nh = c["num_attention_heads"]
        self.kvh = c.get("num_key_value_heads", self.nh)
        self.hd = h // self.nh
        self.eps = c["rms_norm_eps"]
        lin = lambda a, b: torch.nn.Linear(a, b, bias=False)
        self.embed = torch.nn.Embedding(v, h)
        self.layers = torch.nn.ModuleList()
        for _ in range(c["num_hidden_layers"]):
            L = torch.nn.Module()
            L.ln1 = torch.nn.Parameter(torch.ones(h))
            L.ln2 = torch.nn.Parameter(torch.ones(h))
            L.q, L.k, L.v = lin(h, self.nh * self.hd), lin(h, self.kvh * self.hd), lin(h, self.kvh * self.hd)
            L.o = lin(self.nh * self.hd, h)
            L.gate, L.up, L.down = lin(h, i), lin(h, i), lin(i, h)
            self.layers.append(L)
        self.norm = torch.nn.Parameter(torch.ones(h))
        self.head = lin(h, v) if head else None
        for p in self.parameters():
            if p.dim() == 2:
                torch.nn.init.normal_(p, std=0.02)
        theta = c.get("rope_theta", 10000.0)
        self.inv = 1.0 / theta ** (torch.arange(0, self.hd, 2).float() / self.hd)

    def rms(self, x, w):
        xf = x.float()
        return w * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)

    def rope(self, x, pos):  # x [B, H, T, D]
        f = pos[:, None].float() * self.inv[None, :]
        emb = torch.cat([f, f], -1)
        cos, sin = emb.cos(), emb.sin()
        x1, x2 = x[..., : self.hd // 2], x[..., self.hd // 2:]
        return x * cos + torch.cat([-x2, x1], -1) * sin

    def forward(self, ids, cache=None, start=0):
        B, T = ids.shape
        x = self.embed(ids)
        pos = torch.arange(start, start + T)
        new_cache = []
        for li, L in enumerate(self.layers):
            h = self.rms(x, L.ln1)
            q = L.q(h).view(B, T, self.nh, self.hd).transpose(1, 2)
            k = L.k(h).view(B, T, self.kvh, self.hd).transpose(1, 2)
            v = L.v(h).view(B, T, self.kvh, self.hd).transpose(1, 2)
            q, k = self.rope(q, pos), self.rope(k, pos)
            if cache is not None:
                k = torch.cat([cache[li][0], k], 2)
                v = torch.cat([cache[li][1], v], 2)
            new_cache.append((k, v))
            g = self.nh // self.kvh
            kr, vr = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
            s = q @ kr.transpose(-1, -2) / math.sqrt(self.hd)
            S = kr.shape[2]
            mask = torch.arange(S)[None, :] <= (torch.arange(T)[:, None] + start)
            s = s.masked_fill(~mask, torch.finfo(s.dtype).min)
            a = torch.softmax(s.float(), -1).to(x.dtype) @ vr
            x = x + L.o(a.transpose(1, 2).reshape(B, T, -1))
            h = self.rms(x, L.ln2)
            x = x + L.down(torch.nn.functional.silu(L.gate(h)) * L.up(h))
        h = self.rms(x, self.norm)
        return self.head(h), h, new_cache

    def decode(self, x, valid):
        """The layers and the final RMSNorm over embeddings x [B, T, H] with a
        causal mask and a padding mask valid [B, T] (bool, keys that may be
        attended), without a KV cache."""
        B, T, _ = x.shape
        pos = torch.arange(T)
        mask = (torch.arange(T)[None, :] <= torch.arange(T)[:, None])[None, None] & valid[:, None, None, :]
        g = self.nh // self.kvh
        for L in self.layers:
            h = self.rms(x, L.ln1)
            q = L.q(h).view(B, T, self.nh, self.hd).transpose(1, 2)
            k = L.k(h).view(B, T, self.kvh, self.hd).transpose(1, 2)
            v = L.v(h).view(B, T, self.kvh, self.hd).transpose(1, 2)
            q, k = self.rope(q, pos), self.rope(k, pos)
            if g > 1:
                k, v = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
            s = q @ k.transpose(-1, -2) / math.sqrt(self.hd)
            s = s.masked_fill(~mask, torch.finfo(s.dtype).min)
            a = torch.softmax(s, -1) @ v
            x = x + L.o(a.transpose(1, 2).reshape(B, T, -1))
            h = self.rms(x, L.ln2)
            x = x + L.down(torch.nn.functional.silu(L.gate(h)) * L.up(h))
        return self.rms(x, self.norm)


def ids_for(n, vocab):
    return torch.tensor([[(i * 7919 + 13) % vocab for i in range(n)]])


@torch.no_grad()
def generate(m, ids, n):
    logits, _, cache = m(ids)
    out = []
    pos = ids.shape[1]
    for _ in range(n):
        tok = int(logits[0, -1].argmax())
        out.append(tok)
        if len(out) == n:
            break
        logits, _, cache = m(torch.tensor([[tok]]), cache, pos)
        pos += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workload", default="all", choices=["forward", "generate", "all"])
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    c = json.load(open(a.config))
    m = Llama(c).eval()
    v = c["vocab_size"]
    fw = ids_for(PROMPT_LEN, v)
    if a.workload != "generate":
        forward(m, fw, a.repeats)
    if a.workload != "forward":
        generations(m, ids_for(GEN_PROMPT, v), a.repeats)
    print("torch", torch.__version__, "threads", torch.get_num_threads())


def forward(m, fw, repeats):
    with torch.no_grad():
        m(fw)  # warm up
        t = time.perf_counter()
        for _ in range(repeats):
            m(fw)
        print("forward", PROMPT_LEN * repeats / (time.perf_counter() - t))


def generations(m, g, repeats):
    generate(m, g, GEN_NEW)
    t = time.perf_counter()
    for _ in range(repeats):
        generate(m, g, GEN_NEW)
    print("generate", GEN_NEW * repeats / (time.perf_counter() - t))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""PyTorch side of bench/clipvision: the CLIP vision tower (ViT-L/14-336
widths, --layers encoder layers) on one 336x336 view, batch 1, random
weights, float32, written here from Hugging Face's CLIPVisionModel semantics
(patch convolution without bias, class token, learned positions,
pre_layrnorm, pre-LN encoder layers with biased q/k/v/out projections and a
quick_gelu MLP). Prints the same "key value" lines as the Go program.

usage: clipvision_torch.py [--layers 2] [--reps 3] [--threads N]
"""
import argparse
import statistics
import time

import torch

D, I, HEADS, P, S, EPS = 1024, 4096, 16, 14, 336, 1e-5


class Layer(torch.nn.Module):
    """One encoder layer of width d, MLP width i and heads heads (ViT-L's by
    default; bench/toystep builds the toy tower's)."""

    def __init__(self, d=D, i=I, heads=HEADS, eps=EPS):
        super().__init__()
        self.d, self.heads = d, heads
        self.ln1, self.ln2 = torch.nn.LayerNorm(d, eps=eps), torch.nn.LayerNorm(d, eps=eps)
        self.q, self.k, self.v, self.o = (torch.nn.Linear(d, d) for _ in range(4))
        self.fc1, self.fc2 = torch.nn.Linear(d, i), torch.nn.Linear(i, d)

    def forward(self, x):
        b, t, _ = x.shape
        nh = self.heads
        hd = self.d // nh
        h = self.ln1(x)
        q = (self.q(h) * hd ** -0.5).view(b, t, nh, hd).transpose(1, 2)
        k = self.k(h).view(b, t, nh, hd).transpose(1, 2)
        v = self.v(h).view(b, t, nh, hd).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2), -1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(b, t, self.d))
        h = self.fc1(self.ln2(x))
        return x + self.fc2(h * torch.sigmoid(1.702 * h))


class Vision(torch.nn.Module):
    """The tower up to its last encoder layer: [B, 3, s, s] -> [B, 1 + (s/p)², d]."""

    def __init__(self, layers, d=D, i=I, heads=HEADS, p=P, s=S, eps=EPS):
        super().__init__()
        n = (s // p) ** 2
        self.d = d
        self.patch = torch.nn.Conv2d(3, d, p, p, bias=False)
        self.cls = torch.nn.Parameter(torch.randn(d) * 0.02)
        self.pos = torch.nn.Parameter(torch.randn(n + 1, d) * 0.02)
        self.pre = torch.nn.LayerNorm(d, eps=eps)
        self.layers = torch.nn.ModuleList(Layer(d, i, heads, eps) for _ in range(layers))

    def forward(self, pixels):
        x = self.patch(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, self.d), x], 1) + self.pos
        x = self.pre(x)
        for L in self.layers:
            x = L(x)
        return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    m = Vision(a.layers).eval()
    pixels = torch.randn(1, 3, S, S)
    print("# PyTorch %s, %d thread(s)" % (torch.__version__, torch.get_num_threads()))
    print("impl torch\nlayers %d\ntokens %d" % (a.layers, (S // P) ** 2 + 1))
    with torch.inference_mode():
        t = time.perf_counter()
        m(pixels).sum().item()
        print("first_call_s %.3f" % (time.perf_counter() - t))
        ts = []
        for _ in range(a.reps):
            t = time.perf_counter()
            m(pixels).sum().item()
            ts.append(time.perf_counter() - t)
    print("latency_s %.6f\nlatency_min_s %.6f" % (statistics.median(ts), min(ts)))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""PyTorch side of bench/toystep: one training step (forward, backward,
gradient-norm clip 1.0, AdamW) of the toy VLM (vlm.ToyConfig as lib/train
trains it in stage 2), built at the sizes the Go program prints (pass them
as flags) from the repository's other PyTorch twins:

  vision tower  bench/clipvision's Vision (patch convolution, class token,
                positions, pre_layrnorm, pre-LN quick_gelu layers) at the toy
                widths, then pos_layrnorm, the class token dropped, the local
                merge (3×3 convolution, stride 2, no bias, plus the even-grid
                residual) and the new-line token token_LF
  fusion        bench/llama_torch.py's Llama without a head (its embedding
                table holds the vocabulary and the placeholders) over
                [vision tokens where isVision, embedded ids elsewhere, zeros on
                padding], causal + padding mask (Llama.decode)
  projection    the fused rows (gathered) -> bias-free Linear to the LLM width,
                placed into the LLM's token embeddings at their slots
  LLM           bench/llama_torch.py's Llama (frozen: no gradients), logits
                at every position
  loss          cross-entropy weighted by the answer weights; vision, merge,
                fusion and projection trained (AdamW lr 3e-3, betas 0.9,
                0.999, eps 1e-8, no weight decay, as train.ToyOptions)

Inputs are random of the same shapes (values do not change the work). The
parameter counts (all, and trained) are printed for bench/cpu_bench.py to
compare with the Go side's.

usage: toystep_torch.py --batch 8 --t 24 --l 32 --n 4 --views 1 --image 16 --patch 4
       --vision 32 --vision_inter 64 --vision_layers 1 --vision_heads 2 --fusion_hidden 32
       --fusion_inter 64 --fusion_layers 2 --fusion_heads 2 --fusion_rows 84 --llm_hidden 32
       --llm_inter 64 --llm_layers 1 --llm_heads 2 --vocab 21 [--fused 64] [--steps 10] [--threads N]
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clipvision"))
sys.path.insert(0, os.path.join(HERE, "..", "labstep"))
sys.path.insert(0, os.path.join(HERE, ".."))
from clipvision_torch import Vision  # noqa: E402
from labstep_torch import time_steps  # noqa: E402
from llama_torch import Llama  # noqa: E402

SIZES = ("batch", "t", "l", "n", "views", "image", "patch", "vision", "vision_inter", "vision_layers",
         "vision_heads", "fusion_hidden", "fusion_inter", "fusion_layers", "fusion_heads", "fusion_rows",
         "llm_hidden", "llm_inter", "llm_layers", "llm_heads", "vocab")


def llama_config(vocab, hidden, inter, layers, heads, eps):
    return {"vocab_size": vocab, "hidden_size": hidden, "intermediate_size": inter, "num_hidden_layers": layers,
            "num_attention_heads": heads, "rms_norm_eps": eps, "rope_theta": 1e4}


class ToyVLM(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        d = a.vision
        self.grid = a.image // a.patch
        self.tower = Vision(a.vision_layers, d=d, i=a.vision_inter, heads=a.vision_heads, p=a.patch, s=a.image)
        self.pos_ln = torch.nn.LayerNorm(d, eps=1e-5)
        self.merge = torch.nn.Conv2d(d, d, 3, stride=2, padding=1, bias=False)
        self.token_lf = torch.nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.fusion = Llama(llama_config(a.fusion_rows, a.fusion_hidden, a.fusion_inter, a.fusion_layers,
                                         a.fusion_heads, 1e-6), head=False)
        self.proj = torch.nn.Linear(a.fusion_hidden, a.llm_hidden, bias=False)
        self.llm = Llama(llama_config(a.vocab, a.llm_hidden, a.llm_inter, a.llm_layers, a.llm_heads, 1e-5))
        for p in self.llm.parameters():
            p.requires_grad_(False)

    def vision_tokens(self, pixels):  # [K, 3, S, S] -> [K·((G/2)² + 1), D]
        x = self.pos_ln(self.tower(pixels))[:, 1:]
        K, _, D = x.shape
        G = self.grid
        m = x.transpose(1, 2).reshape(K, D, G, G)
        out = self.merge(m) + m[:, :, ::2, ::2]
        out = out.flatten(2).transpose(1, 2)
        return torch.cat([out, self.token_lf.expand(K, 1, D)], 1).reshape(-1, D)

    def forward(self, pixels, fids, fvalid, is_vision, vision_idx, fused_idx, lids, slot_idx, lvalid):
        vt = self.vision_tokens(pixels)
        B, T = fids.shape
        x = torch.where(is_vision[..., None], vt[vision_idx], self.fusion.embed(fids))
        x = x * fvalid[..., None]
        h = self.fusion.decode(x, fvalid)
        fused = h.reshape(B * T, -1)[fused_idx]
        L = lids.shape[1]
        emb = self.llm.embed(lids).reshape(B * L, -1)
        x = torch.cat([emb, self.proj(fused)], 0)[slot_idx]
        return self.llm.head(self.llm.decode(x, lvalid))


def main():
    ap = argparse.ArgumentParser()
    for k in SIZES:
        ap.add_argument("--" + k, type=int, required=True)
    ap.add_argument("--fused", type=int, default=64, help="fused rows of a batch (the padded F)")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    m = ToyVLM(a)
    trained = [p for p in m.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trained, lr=3e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0)
    B, T, L, K = a.batch, a.t, a.l, a.batch * a.views
    per_view = (a.image // a.patch // 2) ** 2 + 1
    pixels = torch.rand(K, 3, a.image, a.image) * 2 - 1
    fids = torch.randint(0, a.fusion_rows, (B, T))
    fvalid = torch.ones(B, T, dtype=torch.bool)
    fvalid[:, T - 3:] = False  # some padding
    is_vision = torch.zeros(B, T, dtype=torch.bool)
    is_vision[:, :per_view * a.views] = True
    vision_idx = (torch.arange(B)[:, None] * per_view * a.views + torch.arange(T)[None, :]).clamp(max=K * per_view - 1)
    fused_idx = torch.randint(0, B * T, (a.fused,))
    lids = torch.randint(0, a.vocab, (B, L))
    slot_idx = torch.arange(B * L).reshape(B, L)
    slot_idx[:, 1:1 + a.n] = B * L + torch.randint(0, a.fused, (B, a.n))
    lvalid = torch.ones(B, L, dtype=torch.bool)
    lvalid[:, L - 4:] = False
    labels = torch.randint(0, a.vocab, (B, L))
    weights = torch.zeros(B, L)
    weights[:, L - 8: L - 4] = 1

    def step():
        opt.zero_grad(set_to_none=True)
        logits = m(pixels, fids, fvalid, is_vision, vision_idx, fused_idx, lids, slot_idx, lvalid)
        ce = torch.nn.functional.cross_entropy(logits.reshape(B * L, -1), labels.reshape(-1), reduction="none")
        loss = (ce * weights.reshape(-1)).sum() / weights.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        opt.step()
        return loss.item()

    print("# PyTorch %s, %d thread(s)" % (torch.__version__, torch.get_num_threads()))
    print("impl torch\nparams %d\ntrainable %d" % (sum(p.numel() for p in m.parameters()),
                                                  sum(p.numel() for p in trained)))
    time_steps(step, a.steps)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch side of bench/fusion: the paper's Vision-Question Fusion module
(Figure 6) with the same sizes, random weights, the same input layout and
the same "key value" output as the Go program.

Input of one sample, batch 1: [V vision tokens ‖ question ‖ N−1 placeholders
‖ eos]; the vision tokens enter as embeddings, every other position is looked
up in a table of vocab + N−1 rows. The decoder is a causal Llama stack (RMSNorm
eps 1e-6, RoPE theta 1e4 over positions 0…T−1, SwiGLU MLP, no biases) with a
final RMSNorm; the output is the last hidden state at the N query positions
(the placeholders and the eos), reduced to a scalar that is read on the host
(this ends the timed region, as in the Go program).

The decoder is transformers.LlamaModel (its default attention, SDPA) when
transformers imports, else the layers of the repo's bench/llama_torch.py
(CPU only).

usage: fusion_torch.py [--layers 20 --hidden 1024 --heads 16 --mlp 4096
       --vision 1450 --question 12 --n 768 --vocab 49408] [--dtype bf16|f32]
       [--reps R] [--small] [--device cuda|cpu]
"""
import argparse
import math
import os
import statistics
import sys
import time

import torch


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def hf_decoder(a, rows, seq, dtype, dev):
    import transformers
    from transformers import LlamaConfig, LlamaModel

    cfg = LlamaConfig(vocab_size=rows, hidden_size=a.hidden, intermediate_size=a.mlp,
                      num_hidden_layers=a.layers, num_attention_heads=a.heads, num_key_value_heads=a.heads,
                      rms_norm_eps=1e-6, rope_theta=1e4, max_position_embeddings=max(seq, 2048),
                      hidden_act="silu", initializer_range=0.02)
    try:  # make the weights in dtype directly (a 7B model in float32 would need twice the memory)
        torch.set_default_dtype(dtype)
    except (TypeError, RuntimeError):
        pass
    try:
        with torch.device(dev):
            m = LlamaModel(cfg)
    except AttributeError:  # torch < 2.0
        m = LlamaModel(cfg).to(dev)
    torch.set_default_dtype(torch.float32)
    m = m.to(dtype).eval()

    def run(x):
        return m(inputs_embeds=x, use_cache=False).last_hidden_state

    impl = "transformers %s LlamaModel (attention %s)" % (
        transformers.__version__, getattr(m.config, "_attn_implementation", "?"))
    return m, m.embed_tokens, run, impl


def repo_decoder(a, rows, seq, dtype, dev):
    if dev.type != "cpu":
        sys.exit("fusion_torch.py: transformers does not import, and the repo's torch Llama runs on the CPU only")
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (here, os.path.dirname(here)):
        if os.path.exists(os.path.join(d, "llama_torch.py")):
            sys.path.insert(0, d)
            break
    from llama_torch import Llama

    m = Llama({"vocab_size": rows, "hidden_size": a.hidden, "intermediate_size": a.mlp,
               "num_hidden_layers": a.layers, "num_attention_heads": a.heads, "rms_norm_eps": 1e-6,
               "rope_theta": 1e4}).to(dtype).eval()

    def run(x):  # Llama.forward over embeddings instead of ids
        T = x.shape[1]
        pos = torch.arange(T)
        mask = torch.arange(T)[None, :] <= torch.arange(T)[:, None]
        for L in m.layers:
            h = m.rms(x, L.ln1)
            q, k, v = (p(h).view(1, T, m.nh, m.hd).transpose(1, 2) for p in (L.q, L.k, L.v))
            q, k = m.rope(q, pos).to(x.dtype), m.rope(k, pos).to(x.dtype)
            s = (q @ k.transpose(-1, -2)).float() / math.sqrt(m.hd)
            s = s.masked_fill(~mask, torch.finfo(s.dtype).min)
            att = torch.softmax(s, -1).to(x.dtype) @ v
            x = x + L.o(att.transpose(1, 2).reshape(1, T, -1))
            h = m.rms(x, L.ln2)
            x = x + L.down(torch.nn.functional.silu(L.gate(h)) * L.up(h))
        return m.rms(x, m.norm)

    return m, m.embed, run, "repo bench/llama_torch.py layers (transformers absent)"


def main():
    ap = argparse.ArgumentParser()
    for k, v in dict(layers=20, hidden=1024, heads=16, mlp=4096, vision=1450, question=12, n=768, vocab=49408).items():
        ap.add_argument("--" + k, type=int, default=v)
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f32"])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--small", action="store_true", help="tiny sizes (CPU check); explicit sizes are ignored")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--impl", default="auto", choices=["auto", "hf", "repo"])
    a = ap.parse_args()
    if a.small:
        a.layers, a.hidden, a.heads, a.mlp, a.vision, a.question, a.n, a.vocab = 2, 64, 4, 256, 30, 5, 16, 1000
    dev = torch.device(a.device)
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    torch.backends.cuda.matmul.allow_tf32 = False  # float32 means float32 (the Go side runs tf32=false)
    # The layout of lib/fusion (Layout.Build, vision question queries): vision,
    # question, placeholders vocab … vocab+N−2, eos = vocab−1.
    q = [1 + (i * 7919) % (a.vocab - 2) for i in range(a.question)]
    tail = q + [a.vocab + i for i in range(a.n - 1)] + [a.vocab - 1]
    seq, rows = a.vision + len(tail), a.vocab + a.n - 1
    fused = torch.arange(a.vision + a.question, seq, device=dev)
    torch.manual_seed(1)
    build = repo_decoder
    if a.impl != "repo":
        try:
            import transformers  # noqa: F401

            build = hf_decoder
        except ImportError:
            if a.impl == "hf":
                raise
    m, embed, run, impl = build(a, rows, seq, dtype, dev)
    # Embedding table + layers + final norm (the repo Llama's LM head is not part of the module).
    nparams = sum(p.numel() for k, p in m.named_parameters() if not k.startswith("head."))
    print("# PyTorch %s on %s: %s" % (torch.__version__, dev, impl))
    print("impl torch\ndtype %s\nlayers %d\nhidden %d\nheads %d\nmlp %d\nvision %d\nquestion %d\nn %d\nseq %d\nfused %d\nparams %d" % (
        a.dtype, a.layers, a.hidden, a.heads, a.mlp, a.vision, a.question, a.n, seq, len(fused), nparams))
    vision = torch.randn(1, a.vision, a.hidden, device=dev)
    ids = torch.tensor([tail], device=dev)

    def call():
        x = torch.cat([vision.to(dtype), embed(ids)], 1)
        h = run(x)[0]
        return h[fused].float().sum().item()

    with torch.inference_mode():
        t = time.perf_counter()
        total = call()
        print("first_call_s %.3f" % (time.perf_counter() - t))
        call()
        ts = []
        for _ in range(a.reps):
            sync(dev)
            t = time.perf_counter()
            call()
            ts.append(time.perf_counter() - t)
    print("output_sum %g\nlatency_s %.6f\nlatency_min_s %.6f" % (total, statistics.median(ts), min(ts)))


if __name__ == "__main__":
    main()

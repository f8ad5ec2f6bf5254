#!/usr/bin/env python3
"""Puts the GoMLX and PyTorch outputs of one benchmark side by side.

  compare.py llama7b GO.txt TORCH.txt --config CONFIG.json [--bandwidth B/s] [--gpu NAME]
  compare.py fusion  GO.txt TORCH.txt [--gpu NAME]

GO.txt and TORCH.txt hold the "key value" lines of bench/llama7b (main.go,
llama7b_torch.py) or bench/fusion (main.go, fusion_torch.py). It prints a
Markdown table: each measure for both, and the ratio GoMLX/PyTorch of the
speeds (above 1: GoMLX is faster; for a latency, PyTorch's time over
GoMLX's). Derived numbers, from the model shape:

  prefill FLOPs   2·T·P_layers + 2·L·T²·A + 2·H·V   (T prompt tokens, P_layers the
                  decoder's matrix parameters, A = heads·head_dim: causal QKᵀ and PV;
                  the LM head on the last position)
  decode bound    batch / (bytes per step / bandwidth), bytes per step = the weights
                  read once (P_layers + H·V, dtype bytes) + the KV cache read at the
                  mean context of the timed steps (2·L·batch·kv_heads·head_dim·ctx)
  fusion FLOPs    2·T·P_layers + 2·L·T²·H over the T fused positions
"""
import argparse
import datetime
import json
import sys


def read(path):
    kv, notes = {}, []
    for line in open(path):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            notes.append(line[1:].strip())
            continue
        k, _, v = line.partition(" ")
        kv[k] = v.strip()
    return kv, notes


def num(kv, k):
    if k not in kv:
        sys.exit("compare.py: %r is missing from a benchmark output" % k)
    return float(kv[k])


def layer_params(h, inter, heads, kv_heads, head_dim):
    a, kv = heads * head_dim, kv_heads * head_dim
    return 2 * h * a + 2 * h * kv + 3 * h * inter


def row(name, go, torch, ratio, fmt="%.1f"):
    r = "—" if ratio is None else "%.3f" % ratio
    return "| %s | %s | %s | %s |" % (name, fmt % go, fmt % torch, r)


def header(title, gpu, go_notes, torch_notes, extra=""):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = ["# %s" % title, "", "- date: %s" % now, "- GPU: %s" % gpu]
    out += ["- GoMLX: %s" % n for n in go_notes] + ["- PyTorch: %s" % n for n in torch_notes]
    if extra:
        out.append("- " + extra)
    out += ["", "| measure | GoMLX | PyTorch | GoMLX/PyTorch (speed) |", "| --- | ---: | ---: | ---: |"]
    return out


def llama(a, go, tg, gn, tn):
    c = json.load(open(a.config))
    h, inter, L, v = c["hidden_size"], c["intermediate_size"], c["num_hidden_layers"], c["vocab_size"]
    heads = c["num_attention_heads"]
    kvh = c.get("num_key_value_heads") or heads
    hd = c.get("head_dim") or h // heads
    dbytes = {"bf16": 2, "f32": 4}[go["dtype"]]
    if go["dtype"] != tg["dtype"] or go["params"] != tg["params"]:
        sys.exit("compare.py: the two sides ran different models (dtype %s/%s, params %s/%s)" % (
            go["dtype"], tg["dtype"], go["params"], tg["params"]))
    pl = L * layer_params(h, inter, heads, kvh, hd)
    T = int(num(go, "prefill_tokens"))
    flops = 2 * T * pl + 2 * L * T * T * heads * hd + 2 * h * v
    out = header("Llama decoder of %s, %s, random weights: prefill and decode" % (a.config, go["dtype"]),
                 a.gpu, gn, tn, "HBM bandwidth taken as %.2f TB/s; %.4gB parameters; prefill %.4g TFLOP" % (
                     a.bandwidth / 1e12, int(go["params"]) / 1e9, flops / 1e12))
    gs, ts = num(go, "prefill_s"), num(tg, "prefill_s")
    out.append(row("prefill %d tokens, batch 1 (tokens/s)" % T, T / gs, T / ts, ts / gs))
    out.append(row("prefill achieved TFLOP/s", flops / gs / 1e12, flops / ts / 1e12, ts / gs, "%.4g"))
    out.append(row("prefill time (ms)", 1e3 * gs, 1e3 * ts, None, "%.2f"))
    batches = sorted(int(k[len("decode_b"):-len("_s_per_step")]) for k in go if k.endswith("_s_per_step"))
    for b in batches:
        k = "decode_b%d_" % b
        D, ctx0 = num(go, k + "steps"), num(go, k + "context")
        ctx = ctx0 + (D + 1) / 2
        step_bytes = dbytes * (pl + h * v + 2 * L * b * kvh * hd * ctx)
        bound = b * a.bandwidth / step_bytes
        g, t = num(go, k + "s_per_step"), num(tg, k + "s_per_step")
        out.append(row("decode batch %d (tokens/s)" % b, b / g, b / t, t / g))
        out.append(row("decode batch %d, %% of the bandwidth bound %.0f tokens/s" % (b, bound),
                       100 * b / g / bound, 100 * b / t / bound, t / g, "%.4g"))
        out.append(row("decode batch %d, ms per step (%d steps after %d tokens)" % (b, D, ctx0),
                       1e3 * g, 1e3 * t, None, "%.2f"))
    for k, name in (("init_s", "random weights made (s)"), ("prefill_warmup_s", "first prefill, compile included (s)")):
        out.append(row(name, num(go, k), num(tg, k), None, "%.2f"))
    return out


def fusion(a, go, tg, gn, tn):
    for k in ("dtype", "layers", "hidden", "heads", "mlp", "seq", "fused", "params"):
        if go.get(k) != tg.get(k):
            sys.exit("compare.py: the two sides ran different fusion modules (%s: %s / %s)" % (k, go.get(k), tg.get(k)))
    L, H, I, T = (int(go[k]) for k in ("layers", "hidden", "mlp", "seq"))
    heads = int(go["heads"])
    flops = 2 * T * L * layer_params(H, I, heads, heads, H // heads) + 2 * L * T * T * H
    out = header("Fusion module, %s layers, hidden %s, %s heads, MLP %s, %s: one HD-9 image (%s vision tokens) + a %s-token question + N = %s queries" % (
        go["layers"], go["hidden"], go["heads"], go["mlp"], go["dtype"], go["vision"], go["question"], go["n"]),
        a.gpu, gn, tn, "sequence %d positions, %s fused outputs, %.4gM parameters, %.4g TFLOP per forward" % (
            T, go["fused"], int(go["params"]) / 1e6, flops / 1e12))
    g, t = num(go, "latency_s"), num(tg, "latency_s")
    out.append(row("latency, batch 1 (ms, median)", 1e3 * g, 1e3 * t, t / g, "%.2f"))
    out.append(row("latency, best (ms)", 1e3 * num(go, "latency_min_s"), 1e3 * num(tg, "latency_min_s"),
                   num(tg, "latency_min_s") / num(go, "latency_min_s"), "%.2f"))
    out.append(row("achieved TFLOP/s (median)", flops / g / 1e12, flops / t / 1e12, t / g, "%.4g"))
    out.append(row("first call, compile included (s)", num(go, "first_call_s"), num(tg, "first_call_s"), None, "%.2f"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["llama7b", "fusion"])
    ap.add_argument("go")
    ap.add_argument("torch")
    ap.add_argument("--config", help="the Llama config.json both sides ran (llama7b)")
    ap.add_argument("--bandwidth", type=float, default=3.35e12, help="HBM bytes/s (default 3.35e12: H100 SXM)")
    ap.add_argument("--gpu", default="unknown")
    a = ap.parse_args()
    go, gn = read(a.go)
    tg, tn = read(a.torch)
    if a.kind == "llama7b":
        if not a.config:
            sys.exit("compare.py: llama7b needs --config")
        out = llama(a, go, tg, gn, tn)
    else:
        out = fusion(a, go, tg, gn, tn)
    print("\n".join(out))


if __name__ == "__main__":
    main()

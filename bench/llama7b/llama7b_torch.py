#!/usr/bin/env python3
"""PyTorch side of bench/llama7b: the same Llama shape (a Hugging Face
config.json), random weights, the same workloads, the same "key value" output.

  prefill  one forward of --prefill tokens at batch 1 up to the logits of the
           last position (no KV cache kept), median of --reps runs
  decode   greedy KV-cache decoding after that prompt at each --batches size:
           a prefill with cache, then D single-token steps; time of the D
           steps / D (device synchronised), median of --reps runs

The model is transformers.LlamaForCausalLM built from the config when
transformers imports (its default attention, SDPA), else the repo's own
float32-semantics Llama of bench/llama_torch.py (CPU only; that one keeps no
static cache and computes logits at every position).

usage: llama7b_torch.py --config CONFIG.json [--prefill N] [--decode D]
       [--batches 1,8] [--dtype bf16|f32] [--reps R] [--device cuda|cpu]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def timed(reps, dev, f):
    ts = []
    for _ in range(reps):
        sync(dev)
        t = time.perf_counter()
        f()
        sync(dev)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def build_hf(c, dtype, dev):
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(**{k: v for k, v in c.items() if k not in ("architectures", "model_type", "torch_dtype")})
    try:  # make the weights in dtype directly (a 7B model in float32 would need twice the memory)
        torch.set_default_dtype(dtype)
    except (TypeError, RuntimeError):
        pass
    try:
        with torch.device(dev):
            m = LlamaForCausalLM(cfg)
    except AttributeError:  # torch < 2.0: no device context manager
        m = LlamaForCausalLM(cfg).to(dev)
    torch.set_default_dtype(torch.float32)
    m = m.to(dtype).eval()

    def prefill(ids):
        try:
            return m(input_ids=ids, use_cache=False, logits_to_keep=1).logits[:, -1]
        except TypeError:  # older transformers
            return m(input_ids=ids, use_cache=False).logits[:, -1]

    def step(ids, cache, start):
        out = m(input_ids=ids, past_key_values=cache, use_cache=True)
        return out.logits[:, -1], out.past_key_values

    import transformers

    impl = "transformers %s LlamaForCausalLM (attention %s)" % (
        transformers.__version__, getattr(m.config, "_attn_implementation", "?"))
    return m, prefill, step, impl


def build_repo(c, dtype, dev):
    if dev.type != "cpu":
        sys.exit("llama7b_torch.py: transformers does not import, and the repo's torch Llama runs on the CPU only")
    here = os.path.dirname(os.path.abspath(__file__))
    for d in (here, os.path.dirname(here)):
        if os.path.exists(os.path.join(d, "llama_torch.py")):
            sys.path.insert(0, d)
            break
    from llama_torch import Llama

    m = Llama(c).to(dtype).eval()

    def prefill(ids):
        return m(ids)[0][:, -1]

    def step(ids, cache, start):
        logits, _, cache = m(ids, cache, start)
        return logits[:, -1], cache

    return m, prefill, step, "repo bench/llama_torch.py Llama (transformers absent)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--prefill", type=int, default=1024)
    ap.add_argument("--decode", type=int, default=63)
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f32"])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--impl", default="auto", choices=["auto", "hf", "repo"])
    a = ap.parse_args()
    dev = torch.device(a.device)
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    c = json.load(open(a.config))
    torch.manual_seed(1)
    t0 = time.perf_counter()
    build = build_repo
    if a.impl != "repo":
        try:
            import transformers  # noqa: F401

            build = build_hf
        except ImportError:
            if a.impl == "hf":
                raise
    m, prefill, step, impl = build(c, dtype, dev)
    sync(dev)
    nparams = sum(p.numel() for p in m.parameters())
    print("# PyTorch %s on %s: %s" % (torch.__version__, dev, impl))
    print("impl torch\ndtype %s\nparams %d\ninit_s %.3f" % (a.dtype, nparams, time.perf_counter() - t0))
    v = c["vocab_size"]
    ids = torch.tensor([[1 + (i * 7919) % (v - 1) for i in range(a.prefill)]], device=dev)
    with torch.inference_mode():
        t = time.perf_counter()
        prefill(ids).float().cpu()
        print("prefill_warmup_s %.3f" % (time.perf_counter() - t))
        s = timed(a.reps, dev, lambda: prefill(ids).float().cpu())
        print("prefill_tokens %d\nprefill_s %.6f" % (a.prefill, s))
        for b in [int(x) for x in a.batches.split(",")]:
            bids = ids.expand(b, -1).contiguous()
            state = {}

            def start():
                logits, cache = step(bids, None, 0)
                state["tok"], state["cache"] = logits.argmax(-1, keepdim=True), cache

            def steps():
                tok, cache = state["tok"], state["cache"]
                for k in range(a.decode):
                    logits, cache = step(tok, cache, a.prefill + k)
                    tok = logits.argmax(-1, keepdim=True)
                tok.cpu()

            t = time.perf_counter()
            start()
            steps()
            sync(dev)
            print("decode_b%d_warmup_s %.3f" % (b, time.perf_counter() - t))
            ts = []
            for _ in range(a.reps):
                start()
                ts.append(timed(1, dev, steps))
                state.clear()
            print("decode_b%d_context %d\ndecode_b%d_steps %d\ndecode_b%d_s_per_step %.6f" % (
                b, a.prefill, b, a.decode, b, statistics.median(ts) / a.decode))


if __name__ == "__main__":
    main()

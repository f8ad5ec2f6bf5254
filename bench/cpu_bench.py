#!/usr/bin/python3
"""make bench: every CPU workload of tokenscale on GoMLX's pure-Go backend
and in PyTorch (Debian's python3-torch), side by side in one run.

For each workload and each thread count (--threads, default 1 and 2) it runs
the GoMLX side, then the PyTorch side, one after the other (interleaved, so
that both see the same machine load; /proc/loadavg is read before each
run), and prints one table: tokens/s and GFLOP/s of each side at each thread
count, GoMLX's best over PyTorch's best, and GoMLX over PyTorch at equal
thread counts. FLOPs are 2 × the multiply-adds counted from the
configuration (the same count for both sides; attention counted over the
keys a query may use in generation, over the full square in a forward).

Workloads (shapes chosen so that the whole run takes about ten minutes on
two cores):
  llama forward   bench/llama_small.json (4 layers, hidden 512, vocab 4096),
                  one 128-token sequence, logits at every position
  llama generate  the same model, greedy with a KV cache, 16 + 64 tokens
  clip vision     CLIP ViT-L/14-336 widths, 2 encoder layers, one 336×336 view
  fusion N=64/768 the fusion decoder (lib/fusion) with llama_small's widths,
                  2 layers, one view of 145 vision tokens, 12 question tokens
  lab step        one training step (forward, backward, AdamW) of the scaling
                  lab's model (lib/lab DefaultModel, batch 64, N = 8); its
                  rate is in samples/s, its FLOPs 3 × the forward's
  toy VLM step    one training step (forward, backward, clip, AdamW) of the
                  toy VLM as lib/train trains it (vlm.ToyConfig(4) on the toy
                  world, train.ToyOptions: stage 2, batch 8); samples/s

GoMLX: lib/llama's Go benchmarks (test binary), bench/clipvision,
bench/fusion (--dtype f32), bench/labstep, bench/toystep. PyTorch: bench/llama_torch.py,
bench/clipvision/clipvision_torch.py, bench/fusion/fusion_torch.py
(--impl repo: the layers of bench/llama_torch.py),
bench/labstep/labstep_torch.py (built at the sizes bench/labstep prints;
the parameter counts must agree), bench/toystep/toystep_torch.py (the
same, from the Llama, CLIP-tower and decoder pieces above; the counts of
all and of trained parameters must agree). GoMLX threads are
GOMAXPROCS; PyTorch threads are torch.set_num_threads / OMP_NUM_THREADS.

usage: bench/cpu_bench.py [--threads 1,2] [--only llama,clip,fusion,lab,toy] [--markdown]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "out", "bench")
PY = sys.executable or "/usr/bin/python3"


def build():
    env = dict(os.environ)
    env.setdefault("GOEXPERIMENT", "simd")
    os.makedirs(BIN, exist_ok=True)
    steps = [
        ["go", "test", "-c", "-o", os.path.join(BIN, "llama.test"), "./lib/llama"],
        ["go", "build", "-o", os.path.join(BIN, "clipvision"), "./bench/clipvision"],
        ["go", "build", "-o", os.path.join(BIN, "fusion"), "./bench/fusion"],
        ["go", "build", "-o", os.path.join(BIN, "labstep"), "./bench/labstep"],
        ["go", "build", "-o", os.path.join(BIN, "toystep"), "./bench/toystep"],
    ]
    for s in steps:
        subprocess.run(s, cwd=ROOT, env=env, check=True)
    return env.get("GOEXPERIMENT", "")


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def run(cmd, threads, cwd=ROOT):
    env = dict(os.environ, GOMAXPROCS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               GOMLX_BACKEND=os.environ.get("GOMLX_BACKEND", "go"), GOMLX_NO_AUTO_INSTALL="1")
    load = loadavg()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("cpu_bench: %s failed (%d):\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p.stdout, load


def keyvals(out):
    kv = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and not line.startswith("#"):
            kv[f[0]] = f[1]
    return kv


# ---- FLOPs from the configurations -------------------------------------------------------------

def llama_cfg():
    with open(os.path.join(ROOT, "bench", "llama_small.json")) as f:
        c = json.load(f)
    h, i, v, L = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_hidden_layers"]
    nh = c["num_attention_heads"]
    kvh = c.get("num_key_value_heads", nh)
    hd = h // nh
    per_layer = h * nh * hd + 2 * h * kvh * hd + nh * hd * h + 3 * h * i
    return dict(L=L, H=h, V=v, A=nh * hd, P=L * per_layer)


def llama_forward_flops(T):
    c = llama_cfg()
    return 2 * T * (c["P"] + c["H"] * c["V"]) + 4 * c["L"] * T * T * c["A"]


def llama_generate_flops(prompt, new):
    """Prefill of the prompt (logits of every position, as both sides compute) plus new−1 single-token
    steps, each attending over the tokens so far."""
    c = llama_cfg()
    total = llama_forward_flops(prompt)
    for k in range(1, new):
        ctx = prompt + k
        total += 2 * (c["P"] + c["H"] * c["V"]) + 4 * c["L"] * ctx * c["A"]
    return total


FUSION = dict(layers=2, hidden=512, heads=8, mlp=1376, vision=145, question=12, vocab=4096)


def fusion_flops(n):
    f = FUSION
    T = f["vision"] + f["question"] + n
    per_layer = 4 * f["hidden"] ** 2 + 3 * f["hidden"] * f["mlp"]
    return 2 * T * f["layers"] * per_layer + 4 * f["layers"] * T * T * f["hidden"], T


# ---- workloads: each returns (tokens/s, work FLOPs per token) for one side and thread count ----

def go_llama(bench, threads):
    out, load = run([os.path.join(BIN, "llama.test"), "-test.run=^$", "-test.bench=^Benchmark%s$" % bench,
                     "-test.benchtime=3x", "-test.cpu=%d" % threads], threads, cwd=os.path.join(ROOT, "lib", "llama"))
    m = re.search(r"([0-9.e+]+) tokens/s", out)
    if not m:
        sys.exit("cpu_bench: no tokens/s in:\n" + out)
    return float(m.group(1)), load


def torch_llama(workload, threads):
    out, load = run([PY, "bench/llama_torch.py", "bench/llama_small.json", "--threads", str(threads),
                     "--repeats", "3", "--workload", workload], threads)
    return float(keyvals(out)[workload]), load


def go_clip(threads):
    out, load = run([os.path.join(BIN, "clipvision"), "--layers", "2", "--reps", "3"], threads)
    return 577 / float(keyvals(out)["latency_s"]), load


def torch_clip(threads):
    out, load = run([PY, "bench/clipvision/clipvision_torch.py", "--layers", "2", "--reps", "3",
                     "--threads", str(threads)], threads)
    return 577 / float(keyvals(out)["latency_s"]), load


def fusion_args(n):
    a = []
    for k, v in FUSION.items():
        a += ["--" + k, str(v)]
    return a + ["--n", str(n), "--dtype", "f32", "--reps", "3"]


def go_fusion(n, threads):
    out, load = run([os.path.join(BIN, "fusion")] + fusion_args(n), threads)
    kv = keyvals(out)
    return int(kv["seq"]) / float(kv["latency_s"]), load


def torch_fusion(n, threads):
    out, load = run([PY, "bench/fusion/fusion_torch.py", "--impl", "repo", "--device", "cpu"] + fusion_args(n), threads)
    kv = keyvals(out)
    return int(kv["seq"]) / float(kv["latency_s"]), load


LAB_SIZES = ("batch", "n", "image", "patch", "vision", "question", "vocab", "hidden", "fusion_layers",
             "llm_layers", "heads", "llm_hidden", "token_width")
lab_kv = {}


def go_lab(threads):
    out, load = run([os.path.join(BIN, "labstep"), "--steps", "10"], threads)
    lab_kv.update(keyvals(out))
    return int(lab_kv["batch"]) / float(lab_kv["step_s"]), load


def torch_lab(threads):
    args = []
    for k in LAB_SIZES:
        args += ["--" + k, lab_kv[k]]
    out, load = run([PY, "bench/labstep/labstep_torch.py", "--steps", "10", "--threads", str(threads)] + args, threads)
    kv = keyvals(out)
    if kv["params"] != lab_kv["params"]:
        sys.exit("cpu_bench: the PyTorch lab model has %s parameters, GoMLX's %s" % (kv["params"], lab_kv["params"]))
    return int(lab_kv["batch"]) / float(kv["step_s"]), load


TOY_SIZES = ("batch", "t", "l", "n", "views", "image", "patch", "vision", "vision_inter", "vision_layers",
             "vision_heads", "fusion_hidden", "fusion_inter", "fusion_layers", "fusion_heads", "fusion_rows",
             "llm_hidden", "llm_inter", "llm_layers", "llm_heads", "vocab")
TOY_STEPS = "30"
toy_kv = {}


def go_toy(threads):
    out, load = run([os.path.join(BIN, "toystep"), "--steps", TOY_STEPS], threads)
    toy_kv.update(keyvals(out))
    return int(toy_kv["batch"]) / float(toy_kv["step_s"]), load


def torch_toy(threads):
    args = []
    for k in TOY_SIZES:
        args += ["--" + k, toy_kv[k]]
    out, load = run([PY, "bench/toystep/toystep_torch.py", "--steps", TOY_STEPS, "--threads", str(threads)] + args,
                    threads)
    kv = keyvals(out)
    for k in ("params", "trainable"):
        if kv[k] != toy_kv[k]:
            sys.exit("cpu_bench: the PyTorch toy VLM has %s %s parameters, GoMLX's %s" % (kv[k], k, toy_kv[k]))
    return int(toy_kv["batch"]) / float(kv["step_s"]), load


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--only", default="llama,clip,fusion,lab,toy")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    only = set(a.only.split(","))
    goexp = build()
    clip_fl = 0.0
    rows = []
    specs = []
    if "llama" in only:
        specs.append(("llama forward, 128 tokens", llama_forward_flops(128) / 128,
                      lambda t: go_llama("Forward", t), lambda t: torch_llama("forward", t)))
        specs.append(("llama generate, 16+64 KV cache", llama_generate_flops(16, 64) / 64,
                      lambda t: go_llama("Generate", t), lambda t: torch_llama("generate", t)))
    if "clip" in only:
        out, _ = run([os.path.join(BIN, "clipvision"), "--layers", "2", "--reps", "1"], 2)
        clip_fl = float(keyvals(out)["flops"])
        specs.append(("clip vision, 336², 2 layers", clip_fl / 577, go_clip, torch_clip))
    if "fusion" in only:
        for n in (64, 768):
            fl, T = fusion_flops(n)
            specs.append(("fusion decoder N=%d (T=%d)" % (n, T), fl / T,
                          lambda t, n=n: go_fusion(n, t), lambda t, n=n: torch_fusion(n, t)))
    if "lab" in only:
        out, _ = run([os.path.join(BIN, "labstep"), "--steps", "1"], 2)
        kv = keyvals(out)
        specs.append(("lab training step, batch %s (samples/s)" % kv["batch"], float(kv["flops"]) / int(kv["batch"]),
                      go_lab, torch_lab))
    if "toy" in only:
        out, _ = run([os.path.join(BIN, "toystep"), "--steps", "1"], 2)
        kv = keyvals(out)
        specs.append(("toy VLM training step, batch %s (samples/s)" % kv["batch"],
                      float(kv["flops"]) / int(kv["batch"]), go_toy, torch_toy))
    t0 = time.time()
    for name, flops_per_token, go, torch_ in specs:
        r = dict(name=name, fpt=flops_per_token, go={}, torch={}, load=[])
        for t in threads:
            r["go"][t], l1 = go(t)
            r["torch"][t], l2 = torch_(t)
            r["load"] += [l1, l2]
            print("# %-34s %d thread(s): GoMLX %9.1f tok/s, PyTorch %9.1f tok/s (load %.1f, %.1f)" % (
                name, t, r["go"][t], r["torch"][t], l1, l2), file=sys.stderr, flush=True)
        rows.append(r)
    with open("/proc/cpuinfo") as f:
        cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    print("CPU: %s, %d cores; GOEXPERIMENT=%s; %.0f s; load average 1 min during the runs: %.1f–%.1f" % (
        cpu, os.cpu_count(), goexp, time.time() - t0, min(min(r["load"]) for r in rows), max(max(r["load"]) for r in rows)))
    print_table(rows, threads, a.markdown)


def print_table(rows, threads, md):
    head = ["workload", "GFLOP per token or sample"]
    for t in threads:
        head += ["GoMLX %dt tok/s (GFLOP/s)" % t]
    for t in threads:
        head += ["PyTorch %dt tok/s (GFLOP/s)" % t]
    head += ["best/best"] + ["Go/Torch %dt" % t for t in threads] + ["load"]
    lines = []
    for r in rows:
        f = r["fpt"] / 1e9
        cell = lambda v: "%.1f (%.1f)" % (v, v * f)
        line = [r["name"], "%.3g" % f]
        line += [cell(r["go"][t]) for t in threads]
        line += [cell(r["torch"][t]) for t in threads]
        line += ["%.2f" % (max(r["go"].values()) / max(r["torch"].values()))]
        line += ["%.2f" % (r["go"][t] / r["torch"][t]) for t in threads]
        line += ["%.1f–%.1f" % (min(r["load"]), max(r["load"]))]
        lines.append(line)
    if md:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for l in lines:
            print("| " + " | ".join(l) + " |")
        return
    w = [max(len(x[i]) for x in [head] + lines) for i in range(len(head))]
    for l in [head] + lines:
        print("  ".join(x.ljust(w[i]) for i, x in enumerate(l)))


if __name__ == "__main__":
    main()

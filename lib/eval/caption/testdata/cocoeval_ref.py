#!/usr/bin/python3
"""Independent reference values for lib/eval/caption.

This is a from-scratch Python 3 implementation of the published formulas of
the COCO caption metrics as pycocoevalcap computes them (Bleu(4) with the
"closest" reference length, Rouge() with beta 1.2, Cider() = CIDEr-D with
sigma 6), written for this test only: pycocoevalcap itself cannot be installed
here. It shares no code with the Go implementation. VLMEvalKit passes raw
strings, so BLEU/CIDEr split with str.split() and ROUGE-L with str.split(" ").

usage: /usr/bin/python3 cocoeval_ref.py captions.json > captions_expected.json
"""
import json
import math
import sys
from collections import Counter


def grams(words, n):
    """Counter of all k-grams (tuples) for k = 1..n."""
    c = Counter()
    for k in range(1, n + 1):
        for i in range(len(words) - k + 1):
            c[tuple(words[i:i + k])] += 1
    return c


def bleu(items, n=4):
    match = [0] * n
    guess = [0] * n
    cand_total = 0
    ref_total = 0
    for cand, refs in items:
        cw = cand.split()
        ref_words = [r.split() for r in refs]
        clip = {}
        for rw in ref_words:
            for g, c in grams(rw, n).items():
                clip[g] = max(clip.get(g, 0), c)
        # closest reference length, ties go to the shorter reference
        lens = sorted(len(rw) for rw in ref_words)
        closest = lens[0]
        for L in lens:
            if abs(L - len(cw)) < abs(closest - len(cw)):
                closest = L
        cand_total += len(cw)
        ref_total += closest
        for g, c in grams(cw, n).items():
            match[len(g) - 1] += min(c, clip.get(g, 0))
        for k in range(n):
            guess[k] += max(0, len(cw) - k)
    scores = []
    logsum = 0.0
    prod = 1.0
    for k in range(n):
        prod = prod * ((match[k] + 1e-15) / (guess[k] + 1e-9))
        scores.append(prod ** (1.0 / (k + 1)))
    r = (cand_total + 1e-15) / (ref_total + 1e-9)
    if r < 1:
        scores = [s * math.exp(1 - 1 / r) for s in scores]
    return scores


def lcs_len(x, y):
    table = [[0] * (len(y) + 1) for _ in range(len(x) + 1)]
    for i in range(len(x)):
        for j in range(len(y)):
            if x[i] == y[j]:
                table[i + 1][j + 1] = table[i][j] + 1
            else:
                table[i + 1][j + 1] = max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


def rouge_l(items, beta=1.2):
    total = 0.0
    for cand, refs in items:
        ct = cand.split(" ")
        ps, rs = [], []
        for ref in refs:
            rt = ref.split(" ")
            m = lcs_len(ct, rt)
            ps.append(m / len(ct))
            rs.append(m / len(rt))
        p, r = max(ps), max(rs)
        total += (1 + beta ** 2) * p * r / (r + beta ** 2 * p) if p > 0 and r > 0 else 0.0
    return total / len(items)


def cider_d(items, n=4, sigma=6.0):
    ref_grams = [[grams(r.split(), n) for r in refs] for _, refs in items]
    df = Counter()
    for rg in ref_grams:
        for g in set().union(*[set(x) for x in rg]):
            df[g] += 1
    log_n = math.log(len(items))

    def vectorise(counter):
        vecs = [dict() for _ in range(n)]
        for g, tf in counter.items():
            vecs[len(g) - 1][g] = tf * (log_n - math.log(max(1.0, df[g])))
        norms = [math.sqrt(sum(v * v for v in vec.values())) for vec in vecs]
        nbigrams = sum(tf for g, tf in counter.items() if len(g) == 2)
        return vecs, norms, nbigrams

    per_item = []
    for (cand, refs), rg in zip(items, ref_grams):
        cv, cn, cl = vectorise(grams(cand.split(), n))
        item_sum = 0.0
        for r in rg:
            rv, rn, rl = vectorise(r)
            penalty = math.exp(-((cl - rl) ** 2) / (2 * sigma ** 2))
            sims = []
            for k in range(n):
                s = sum(min(w, rv[k].get(g, 0.0)) * rv[k].get(g, 0.0) for g, w in cv[k].items())
                if cn[k] != 0 and rn[k] != 0:
                    s /= cn[k] * rn[k]
                sims.append(s * penalty)
            item_sum += sum(sims) / n
        per_item.append(10.0 * item_sum / len(refs))
    return sum(per_item) / len(per_item), per_item


def main():
    data = json.load(open(sys.argv[1]))
    items = [(d["candidate"], d["references"]) for d in data]
    b = bleu(items)
    c, per = cider_d(items)
    out = {
        "BLEU-1": b[0], "BLEU-2": b[1], "BLEU-3": b[2], "BLEU-4": b[3],
        "ROUGE-L": rouge_l(items), "CIDEr": c, "CIDEr_per_item": per,
    }
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()

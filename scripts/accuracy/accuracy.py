#!/usr/bin/python3
"""The paper's accuracy experiment (section 3.3, 4.2, Fig. 3, Table 4) in miniature, measured
through nm_sim's functional data path. See the README section "Accuracy (the paper's Fig. 3 and
Table 4, in miniature)"; scripts/accuracy.sh is the one command that runs it.

usage: accuracy.py --nm-sim PATH --nm-pwl PATH --out DIR [--models cnn,transformer,gcn]
                   [--granularities 0.25,0.5,1.0] [--methods uniform,elastic]
                   [--datatypes fp16,int8] [--epochs-scale F] [--check]

Data (shipped inside python3-sklearn, nothing downloaded): scikit-learn's handwritten digits,
1,797 8x8 images, 10 classes, pixels / 16; a stratified split with random_state 0: 1,257 train,
540 test. The GCN's graph: every image a node (features: its 64 pixels), edges to its k = 10
nearest neighbours (Euclidean, symmetrised), A_hat = D^-1/2 (A + I) D^-1/2 as a dense 1797 x 1797
constant. Semi-supervised, transductive: all node features and the whole graph are seen; the loss
uses the labels of the train-split nodes only; accuracy is over the test-split nodes.

Per model: train in fp32 (fixed seeds); then
 - post-finetuning: the trained weights, exported once to ONNX; nm_sim runs them at every
   granularity x method x datatype (nm_sim substitutes its PWL tables for GELU, exp, reciprocal
   and rsqrt; ReLU is exact PWL);
 - pre-finetuning: per granularity x method, a few epochs more with the same PWL in PyTorch's
   forward pass (gradients: the PWL's own slopes, see pwl_torch.py), and for int8 also with
   int8 fake quantization (per-tensor symmetric max-abs, straight-through rounding) of every
   GEMM operand and every PWL output; exported; nm_sim runs it at that granularity and method.
Every variant also runs in nm_sim with --numerics fp32 (fp32 with the PWL, no datatype), beside
PyTorch's emulation of the same PWL: the two must agree on at least 99% of test predictions.
Accuracy is taken from nm_sim's --outputs (the data path's logits), over the test images only:
the first input sample is a batch of training images that calibrates the int8 scales (nm_sim
calibrates on the first sample) and is not scored.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pwl_torch  # noqa: E402

SEED = 0
BATCH = 60  # images per nm_sim sample (540 test images = 9 samples)
KNN_K = 10
AGREEMENT_FLOOR = 0.99


# ---------------------------------------------------------------- the approximations in the loop
class Ctx:
    """What the forward pass uses: exact functions (None) or a pwl_torch.Pwl; int8 fake quant."""
    pwl = None
    fq = False


def fq(x):
    if not Ctx.fq:
        return x
    scale = (x.detach().abs().max() / 127).clamp(min=1e-12)
    q = torch.clamp(torch.round(x / scale), -127, 127) * scale
    return x + (q - x).detach()  # straight through the rounding


def linear(x, layer):
    return F.linear(fq(x), fq(layer.weight), layer.bias)


def conv(x, layer):
    return F.conv2d(fq(x), fq(layer.weight), layer.bias, layer.stride, layer.padding)


def gelu(x):
    return fq(Ctx.pwl.gelu(x)) if Ctx.pwl else F.gelu(x)


def softmax(x):
    return fq(Ctx.pwl.softmax(x)) if Ctx.pwl else torch.softmax(x, dim=-1)


def layernorm(x, ln):
    if Ctx.pwl:
        return fq(Ctx.pwl.layernorm(x, ln.weight, ln.bias, ln.eps))
    return F.layer_norm(x, ln.normalized_shape, ln.weight, ln.bias, ln.eps)


def matmul(a, b):
    return torch.matmul(fq(a), fq(b))


# ---------------------------------------------------------------- models
class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.c2, self.b2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.relu(self.b1(conv(x, self.c1)))
        return F.relu(self.b2(conv(y, self.c2)) + x)


class Cnn(nn.Module):
    """ResNet-style: conv-BN-ReLU stem, residual block, 2x2 max pool, widen, residual block,
    global average pool, linear head. ReLU is the only nonlinearity (exact PWL)."""

    def __init__(self):
        super().__init__()
        self.stem, self.bs = nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)
        self.block1 = Block(16)
        self.widen, self.bw = nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)
        self.block2 = Block(32)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        x = self.block1(F.relu(self.bs(conv(x, self.stem))))
        x = F.max_pool2d(x, 2)
        x = self.block2(F.relu(self.bw(conv(x, self.widen))))
        return linear(F.adaptive_avg_pool2d(x, 1).flatten(1), self.head)


class EncoderLayer(nn.Module):
    """Post-norm encoder layer (BERT's order): attention, add, LayerNorm, GELU FFN, add, LayerNorm."""

    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.f1, self.f2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x):
        b, t, d = x.shape
        h, dh = self.heads, d // self.heads

        def split(y):
            return y.reshape(b, t, h, dh).transpose(1, 2)

        q, k, v = split(linear(x, self.q)), split(linear(x, self.k)), split(linear(x, self.v))
        a = softmax(matmul(q, k.transpose(-1, -2)) * (1.0 / dh ** 0.5))
        ctx = matmul(a, v).transpose(1, 2).reshape(b, t, d)
        x = layernorm(x + linear(ctx, self.o), self.ln1)
        return layernorm(x + linear(gelu(linear(x, self.f1)), self.f2), self.ln2)


class Transformer(nn.Module):
    """Rows as tokens: 8 tokens of 8 pixels, a linear patch embedding to d = 32, a class token,
    learned positions, 2 encoder layers (4 heads, FFN 64), the class token's output to a head."""

    def __init__(self, d=32, layers=2, heads=4, ff=64):
        super().__init__()
        self.embed = nn.Linear(8, d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(torch.randn(1, 9, d) * 0.02)
        self.layers = nn.ModuleList(EncoderLayer(d, heads, ff) for _ in range(layers))
        self.head = nn.Linear(d, 10)

    def forward(self, x):
        x = linear(x.reshape(x.shape[0], 8, 8), self.embed)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for layer in self.layers:
            x = layer(x)
        return linear(x[:, 0], self.head)


class Gcn(nn.Module):
    """Two GCN layers (Kipf and Welling): A_hat relu(A_hat X W1 + b1) W2 + b2, A_hat a constant."""

    def __init__(self, adjacency, hidden=32):
        super().__init__()
        self.register_buffer("adj", adjacency)
        self.l1, self.l2 = nn.Linear(64, hidden), nn.Linear(hidden, 10)

    def forward(self, x):
        h = F.relu(matmul(self.adj, linear(x, self.l1)))
        return matmul(self.adj, linear(h, self.l2))


def fold_batchnorm(model):
    """Folds every BatchNorm into the conv before it (what the ONNX exporter does at inference),
    so pre-finetuning fake-quantizes the weights the accelerator will hold."""
    for m in list(model.modules()):
        pairs = [("stem", "bs"), ("widen", "bw"), ("c1", "b1"), ("c2", "b2")]
        for cname, bname in pairs:
            if hasattr(m, cname) and isinstance(getattr(m, bname, None), nn.BatchNorm2d):
                c, bn = getattr(m, cname), getattr(m, bname)
                s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                fused = nn.Conv2d(c.in_channels, c.out_channels, c.kernel_size, c.stride, c.padding, bias=True)
                fused.weight.data = c.weight.data * s.reshape(-1, 1, 1, 1)
                fused.bias.data = (bn.bias - bn.running_mean * s).detach()
                setattr(m, cname, fused)
                setattr(m, bname, nn.Identity())
    return model


# ---------------------------------------------------------------- data
def load_data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import kneighbors_graph

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    idx = np.arange(len(y))
    train, test = train_test_split(idx, test_size=540, stratify=y, random_state=SEED)
    a = kneighbors_graph(x, KNN_K, mode="connectivity", include_self=False).toarray()
    a = np.maximum(a, a.T) + np.eye(len(y))
    d = 1.0 / np.sqrt(a.sum(1))
    adj = (a * d[:, None] * d[None, :]).astype(np.float32)
    return x, y, np.sort(train), np.sort(test), adj


# ---------------------------------------------------------------- training
def set_seed(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)


def run_epochs(model, kind, data, epochs, lr, seed):
    x, y, train, test, adj = data
    set_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=5e-4 if kind == "gcn" else 0.0)
    model.train()
    if kind == "gcn":
        xt, yt, tr = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(train)
        for _ in range(epochs):
            opt.zero_grad()
            F.cross_entropy(model(xt)[tr], yt[tr]).backward()
            opt.step()
        return
    images = torch.from_numpy(x[train]).reshape(-1, 1, 8, 8)
    labels = torch.from_numpy(y[train])
    for _ in range(epochs):
        perm = torch.randperm(len(labels))
        for i in range(0, len(perm), 32):
            j = perm[i:i + 32]
            opt.zero_grad()
            F.cross_entropy(model(images[j]), labels[j]).backward()
            opt.step()


def predict(model, kind, data):
    """Test-set class predictions under the current Ctx."""
    x, y, train, test, adj = data
    model.eval()
    with torch.no_grad():
        if kind == "gcn":
            return model(torch.from_numpy(x))[torch.from_numpy(test)].argmax(1).numpy()
        return model(torch.from_numpy(x[test]).reshape(-1, 1, 8, 8)).argmax(1).numpy()


def pre_finetune(base, kind, data, pwl, int8, epochs):
    # BatchNorm is folded into the convs first (frozen statistics, as at inference and as in
    # quantization-aware fine-tuning), so the fine-tune trains the weights the accelerator holds.
    model = fold_batchnorm(clone(base)) if kind == "cnn" else clone(base)
    Ctx.pwl, Ctx.fq = pwl, int8
    lr = 5e-3 if kind == "gcn" else 3e-4
    run_epochs(model, kind, data, epochs, lr, SEED + 1)
    Ctx.pwl, Ctx.fq = None, False
    return model


def clone(model):
    import copy
    return copy.deepcopy(model)


# ---------------------------------------------------------------- ONNX and nm_sim
def export(model, kind, data, path):
    x, y, train, test, adj = data
    model.eval()
    Ctx.pwl, Ctx.fq = None, False
    example = torch.from_numpy(x[:BATCH]).reshape(BATCH, 1, 8, 8) if kind != "gcn" else torch.from_numpy(x)
    # Gradients enabled (not torch.no_grad): see tests/onnx/make_models.py.
    torch.onnx.export(model, (example,), path, opset_version=14, input_names=["x"], output_names=["logits"],
                      do_constant_folding=True)


def write_inputs(kind, data, out):
    """x.npy: [samples, ...]: sample 0 calibrates (training images; for the GCN the whole graph),
    then the test images in batches of BATCH. labels.npy: one label per logits row."""
    x, y, train, test, adj = data
    xi, yi = os.path.join(out, f"{kind}_x.npy"), os.path.join(out, f"{kind}_labels.npy")
    if kind == "gcn":
        np.save(xi, x[None])
        np.save(yi, y[None])
    else:
        order = np.concatenate([train[:BATCH], test])
        np.save(xi, x[order].reshape(-1, BATCH, 1, 8, 8))
        np.save(yi, y[order].reshape(-1, BATCH))
    return xi, yi


def nm_sim_predictions(args, kind, model_path, inputs, labels, data, datatype, granularity, method, fp32, tag):
    out = os.path.join(args.out, "runs", f"{tag}.npy")
    js = os.path.join(args.out, "runs", f"{tag}.json")
    cmd = [args.nm_sim, "--workload", model_path, "--functional", "--inputs", inputs, "--labels", labels,
           "--outputs", out, "--json", js, "--datatype", datatype, "--set", f"pwl.granularity={granularity}",
           "--pwl-method", method]
    if fp32:
        cmd += ["--numerics", "fp32"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"nm_sim failed ({' '.join(cmd)}):\n{r.stderr}")
    logits = np.load(out)
    x, y, train, test, adj = data
    if kind == "gcn":
        pred = logits.reshape(-1, 10)[test].argmax(1)
    else:
        pred = logits.reshape(-1, 10)[BATCH:].argmax(1)  # sample 0 is the calibration batch
    with open(js) as fh:
        report = json.load(fh)
    ref = report["functional"]["outputs"][0]
    return pred, ref


def accuracy(pred, data):
    return float((pred == data[1][data[3]]).mean())


# ---------------------------------------------------------------- the experiment
TRAIN = {"cnn": (Cnn, 15, 1e-3), "transformer": (Transformer, 40, 1e-3), "gcn": (Gcn, 200, 1e-2)}
FINETUNE_EPOCHS = {"cnn": 3, "transformer": 5, "gcn": 50}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nm-sim", required=True)
    p.add_argument("--nm-pwl", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--models", default="cnn,transformer,gcn")
    p.add_argument("--granularities", default="0.25,0.5,1.0")
    p.add_argument("--methods", default="uniform,elastic")
    p.add_argument("--datatypes", default="fp16,int8")
    p.add_argument("--epochs-scale", type=float, default=1.0, help="scales training epochs (the CI test)")
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless every fp32-with-PWL agreement is >= 99%% and fp32 accuracy >= the floors")
    args = p.parse_args()
    torch.set_num_threads(1)
    os.makedirs(os.path.join(args.out, "runs"), exist_ok=True)
    start = time.time()
    data = load_data()
    grans = [float(g) for g in args.granularities.split(",")]
    methods = args.methods.split(",")
    dtypes = args.datatypes.split(",")
    rows, problems = [], []
    floors = {"cnn": 0.95, "transformer": 0.90, "gcn": 0.90}
    for kind in args.models.split(","):
        t0 = time.time()
        cls, epochs, lr = TRAIN[kind]
        set_seed(SEED)
        model = cls(torch.from_numpy(data[4])) if kind == "gcn" else cls()
        run_epochs(model, kind, data, max(1, int(epochs * args.epochs_scale)), lr, SEED)
        fp32_acc = accuracy(predict(model, kind, data), data)
        print(f"[{kind}] fp32 test accuracy {fp32_acc:.4f} (trained in {time.time() - t0:.0f} s)", flush=True)
        if fp32_acc < floors[kind] * (1 if args.epochs_scale >= 1 else 0.9):
            problems.append(f"{kind}: fp32 accuracy {fp32_acc:.4f} below the floor")
        inputs, labels = write_inputs(kind, data, args.out)
        post_path = os.path.join(args.out, f"{kind}_post.onnx")
        export(model, kind, data, post_path)

        def row(variant, method, g, dt, path, torch_pred, tag, fp32_pred=None):
            pred, ref = nm_sim_predictions(args, kind, path, inputs, labels, data, dt, g, method, False, tag)
            r = {"model": kind, "variant": variant, "method": method, "granularity": g, "datatype": dt,
                 "nm_sim_acc": accuracy(pred, data), "fp32_acc": fp32_acc}
            if fp32_pred is not None:
                r["nm_sim_fp32pwl_acc"] = accuracy(fp32_pred, data)
                r["torch_fp32pwl_acc"] = accuracy(torch_pred, data)
                r["agreement"] = float((fp32_pred == torch_pred).mean())
            rows.append(r)
            print(f"[{kind}] {variant:5s} {method:8s} g={g:<5} {dt}: nm_sim {r['nm_sim_acc']:.4f}"
                  + (f"  fp32+PWL nm_sim {r['nm_sim_fp32pwl_acc']:.4f} torch {r['torch_fp32pwl_acc']:.4f}"
                     f" agree {r['agreement']:.4f}" if fp32_pred is not None else ""), flush=True)
            return r

        # Baselines: the datatype alone (nm_sim at g = 1/16 uniform; ReLU-only models have no
        # other PWL, so any g gives the same figure).
        for dt in dtypes:
            row("base", "uniform", 0.0625, dt, post_path, None, f"{kind}_base_{dt}")
        tuned_cache = {}
        for g in grans:
            for method in methods:
                pwl = pwl_torch.load_tables(args.nm_pwl, g, method, os.path.join(args.out, "runs"))
                # post-finetuning
                Ctx.pwl = pwl
                torch_pred = predict(model, kind, data)
                Ctx.pwl = None
                tag = f"{kind}_post_{method}_{g}"
                fp32_pred, _ = nm_sim_predictions(args, kind, post_path, inputs, labels, data, "fp16", g, method,
                                                  True, tag + "_fp32")
                for i, dt in enumerate(dtypes):
                    row("post", method, g, dt, post_path, torch_pred, f"{tag}_{dt}", fp32_pred)
                # pre-finetuning: fp16 fine-tunes with the PWL in fp32 (fp16 rounding is not in
                # the loop); int8 adds fake quantization.
                ft_epochs = max(1, int(FINETUNE_EPOCHS[kind] * max(args.epochs_scale, 0.2)))
                for dt in dtypes:
                    # A model whose only nonlinearity is ReLU (exact PWL) fine-tunes identically at
                    # every granularity and method: once per datatype (nm_sim still runs each).
                    key = (dt, g, method) if kind == "transformer" else (dt,)
                    if key not in tuned_cache:
                        tuned = pre_finetune(model, kind, data, pwl, dt == "int8", ft_epochs)
                        path = os.path.join(args.out, f"{kind}_pre_{'_'.join(map(str, key))}.onnx")
                        export(tuned, kind, data, path)
                        tuned_cache[key] = (tuned, path)
                    tuned, path = tuned_cache[key]
                    Ctx.pwl = pwl
                    torch_pred = predict(tuned, kind, data)
                    Ctx.pwl = None
                    tag = f"{kind}_pre_{method}_{g}_{dt}"
                    fp32_pred, _ = nm_sim_predictions(args, kind, path, inputs, labels, data, "fp16", g, method,
                                                      True, tag + "_fp32")
                    row("pre", method, g, dt, path, torch_pred, tag, fp32_pred)
        print(f"[{kind}] done in {time.time() - t0:.0f} s", flush=True)
    for r in rows:
        if "agreement" in r and r["agreement"] < AGREEMENT_FLOOR:
            problems.append(f"{r['model']} {r['variant']} {r['method']} g={r['granularity']} {r['datatype']}: "
                            f"nm_sim and PyTorch agree on {r['agreement']:.4f} of test predictions")
    elapsed = time.time() - start
    write_tables(rows, args.out, elapsed)
    print(f"accuracy: {len(rows)} rows in {elapsed:.0f} s; {args.out}/accuracy.csv, accuracy.md")
    for msg in problems:
        print("FAIL: " + msg, file=sys.stderr)
    return 1 if (args.check and problems) else 0


def write_tables(rows, out, elapsed):
    keys = ["model", "variant", "method", "granularity", "datatype", "fp32_acc", "nm_sim_acc",
            "nm_sim_fp32pwl_acc", "torch_fp32pwl_acc", "agreement"]
    with open(os.path.join(out, "accuracy.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, keys, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in keys})

    def pct(v):
        return "" if v is None else f"{100 * v:.2f}"

    lines = [f"Test accuracy, %, on 540 digits test images (GCN: 540 test nodes). nm_sim: --functional "
             f"through the data path; fp32+PWL: nm_sim --numerics fp32 / PyTorch's emulation (agreement "
             f"of their predictions). Run time {elapsed:.0f} s.", ""]
    lines.append("| model | variant | PWL | g | nm_sim fp16 | nm_sim int8 | fp32+PWL nm_sim / PyTorch (agree) |")
    lines.append("|---|---|---|---|---|---|---|")
    seen = {}
    for r in rows:
        key = (r["model"], r["variant"], r["method"], r["granularity"])
        seen.setdefault(key, {})[r["datatype"]] = r
    for (model, variant, method, g), by_dt in seen.items():
        first = next(iter(by_dt.values()))
        if variant == "base":
            lines.append(f"| {model} | fp32 (PyTorch) | exact | - | {pct(first['fp32_acc'])} | | |")
            label, pwl, gs = "datatype only", "uniform", "1/16"
        else:
            label, pwl, gs = f"{variant}-finetuning", method, f"{g:g}"
        checks = []
        for dt in ("fp16", "int8"):
            r = by_dt.get(dt)
            if r and "agreement" in r:
                checks.append(f"{dt}-tuned: " if variant == "pre" else "")
                checks[-1] += f"{pct(r['nm_sim_fp32pwl_acc'])} / {pct(r['torch_fp32pwl_acc'])} ({pct(r['agreement'])})"
        if variant == "post":
            checks = checks[:1]
        lines.append(f"| {model} | {label} | {pwl} | {gs} | {pct(by_dt.get('fp16', {}).get('nm_sim_acc'))} | "
                     f"{pct(by_dt.get('int8', {}).get('nm_sim_acc'))} | {'; '.join(checks)} |")
    # The compact table (the README's): nm_sim's accuracy per granularity and datatype.
    grans = sorted({r["granularity"] for r in rows if r["variant"] != "base"})
    dts = [d for d in ("fp16", "int8") if any(r["datatype"] == d for r in rows)]
    head = "| model | variant | PWL | " + " | ".join(f"g={g:g} {d}" for g in grans for d in dts) + " |"
    compact = ["", "Compact (nm_sim's figures, test accuracy %):", "", head,
               "|" + "---|" * (3 + len(grans) * len(dts))]
    models = list(dict.fromkeys(r["model"] for r in rows))
    for m in models:
        mr = [r for r in rows if r["model"] == m]
        base = {r["datatype"]: r for r in mr if r["variant"] == "base"}
        compact.append(f"| {m} | fp32 (PyTorch, exact functions) | - | " + " | ".join(
            pct(mr[0]["fp32_acc"]) if d == dts[0] else "" for g in grans for d in dts) + " |")
        if base:
            compact.append(f"| {m} | datatype only (PWL g=1/16) | uniform | " + " | ".join(
                pct(base[d]["nm_sim_acc"]) if d in base else "" for g in grans for d in dts) + " |")
        for variant in ("post", "pre"):
            for method in dict.fromkeys(r["method"] for r in mr if r["variant"] == variant):
                cells = []
                for g in grans:
                    for d in dts:
                        hit = [r for r in mr if (r["variant"], r["method"], r["granularity"], r["datatype"])
                               == (variant, method, g, d)]
                        cells.append(pct(hit[0]["nm_sim_acc"]) if hit else "")
                compact.append(f"| {m} | {variant}-finetuning | {method} | " + " | ".join(cells) + " |")
    agree = [r["agreement"] for r in rows if "agreement" in r]
    if agree:
        compact += ["", f"nm_sim --numerics fp32 vs PyTorch's emulation of the same PWL: {len(agree)} variants, "
                        f"agreement on test predictions {100 * min(agree):.2f}% at worst."]
    with open(os.path.join(out, "accuracy.md"), "w") as fh:
        fh.write("\n".join(lines + compact) + "\n")


if __name__ == "__main__":
    sys.exit(main())

"""PyTorch emulation of nm_sim's PWL approximations, with nm_sim's own tables.

The tables (slopes K, intercepts B, segment-index step, cells and the elastic segment map) are
read from `nm_pwl --function F --granularity G --method M --json`, so the emulation selects the
same segment and applies the same K, B as sw/pwl/pwl_fit.cpp does (pwl_segment_index,
pwl_reduce_input, pwl_finish). Differences left: nm_sim evaluates in fp32 on the data path while
the segment index and x * K + B are computed in float64 from the float32 input and rounded once,
as program_executor.cpp does; the rest of the network (GEMMs, sums) rounds in a different order.

Gradients (pre-finetuning): y = x * K[S] + B[S] with the segment index S held constant, so the
gradient is the PWL's own slope K[S] (0 on a clamped outer piece), not straight-through. For the
range-reduced functions the mantissa is x * 2^-e with e held constant, so d/dx is K[S] * 2^(shift - e).
"""
import json
import os
import subprocess
import tempfile

import torch

FUNCTIONS = ("gelu", "exp", "reciprocal", "rsqrt")


class PwlTable:
    def __init__(self, fit):
        self.name = fit["function"] if "function" in fit else None
        self.slopes = torch.tensor(fit["slopes"], dtype=torch.float64)
        self.intercepts = torch.tensor(fit["intercepts"], dtype=torch.float64)
        idx = fit["segment_index"]
        self.step = float(idx["step"])
        self.cells = int(idx["cells"])
        self.map = torch.tensor(idx["map"], dtype=torch.long) if idx["map"] else None
        self.lo = float(fit["domain"][0]) if isinstance(fit.get("domain"), list) else float(fit["lo"])

    def table(self, x):
        """Steps 1-3 on the table's own input: S, gather K[S], B[S], y = x * K + B."""
        with torch.no_grad():
            u = torch.floor(x.double() * (1.0 / self.step) + (-self.lo / self.step))
            u = torch.nan_to_num(u, nan=-1.0).clamp(-1, self.cells)
            fine = (u + 1).long()
            seg = self.map[fine] if self.map is not None else fine
            k = self.slopes[seg]
            b = self.intercepts[seg]
        # In double, then rounded once, as program_executor.cpp's kPwl kernel does.
        return (x.double() * k + b).to(x.dtype)


def _exponent(x):
    """|x| = m * 2^e with m in [1, 2): e (no gradient)."""
    with torch.no_grad():
        _, e = torch.frexp(x.abs())
        return (e - 1).to(x.dtype)


class Pwl:
    """The NeuralMatrix approximations a model uses, at one granularity and method."""

    def __init__(self, tables):
        self.t = tables

    def gelu(self, x):
        return self.t["gelu"].table(x)

    def exp(self, x):
        return self.t["exp"].table(x)

    def reciprocal(self, x):
        # x = m * 2^e, m in [1, 2): 1/x = T(m) * 2^-e (x > 0 here: a softmax row sum)
        e = _exponent(x)
        m = x * torch.pow(2.0, -e)
        return self.t["reciprocal"].table(m) * torch.pow(2.0, -e)

    def rsqrt(self, x):
        # x = m * 2^e, e even, m in [1, 4): 1/sqrt(x) = T(m) * 2^(-e/2) (x > 0: variance + eps)
        e = _exponent(x)
        e = e - torch.remainder(e, 2)  # odd exponent: m in [2, 4)
        m = x * torch.pow(2.0, -e)
        return self.t["rsqrt"].table(m) * torch.pow(2.0, -e / 2)

    def softmax(self, x):
        # nm_sim's decomposition (sw/lowering/lowering.cpp lower_softmax): exact max subtraction,
        # exp by PWL, row sum, reciprocal by range-reduced PWL, multiply.
        e = self.exp(x - x.max(dim=-1, keepdim=True).values.detach())
        return e * self.reciprocal(e.sum(dim=-1, keepdim=True))

    def layernorm(self, x, weight, bias, eps):
        # lower_layernorm: mean, centre, variance + eps (the GEMM's accumulator preset), rsqrt by PWL.
        c = x - x.mean(dim=-1, keepdim=True)
        var = (c * c).mean(dim=-1, keepdim=True) + eps
        return c * self.rsqrt(var) * weight + bias


def load_tables(nm_pwl, granularity, method, cache_dir):
    tables = {}
    for f in FUNCTIONS:
        path = os.path.join(cache_dir, f"pwl_{f}_{method}_{granularity}.json")
        if not os.path.exists(path):
            subprocess.run([nm_pwl, "--function", f, "--granularity", str(granularity), "--method", method,
                            "--json", path], check=True, stdout=subprocess.DEVNULL)
        with open(path) as fh:
            tables[f] = PwlTable(json.load(fh))
    return Pwl(tables)

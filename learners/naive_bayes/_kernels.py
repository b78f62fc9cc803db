"""Numba kernels of binary-relevance Gaussian naive Bayes: test-then-train over sparse rows.

Statistics are per feature row `j` and per column `k = 2 * label + class` (class 0 is False,
1 is True): `n`, `mean`, `m2` (Welford's running sums, as river's `stats.Var`) and, derived from
them whenever they change, `c1 = -1 / (2 var)` and `lognorm = -log(sqrt(2 pi var))`, so that a
Gaussian's log density at x is `(x - mean)**2 * c1 + lognorm`. A Gaussian that has no variance
yet (unseen, or one value) gets `c1 = 0, lognorm = INVALID`, which makes its term log(eps).
`counts[k]` counts each label's classes, `first[label]` is the class it saw first (-1: none).

Each feature's term is river's `log(eps + pdf)`, with `pdf = exp(log density)` by the
vectorisable `exp_clamped` and `log_pos`; the per-label log-sum-exp and probabilities
follow `scipy.special.logsumexp` and river's `BaseNB.predict_proba_one` step by step.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from learners.naive_bayes._vector_math import exp_clamped, log_pos

__all__ = ["INVALID", "LOG_EPS", "PDF_EPS", "run"]

PDF_EPS = 10e-10
"""River's `naive_bayes.gaussian._PDF_EPS`: a feature's likelihood is `pdf + PDF_EPS`."""
LOG_EPS = math.log(PDF_EPS)
INVALID = -1e300
"""`lognorm` of a Gaussian without variance: its log density is far below `LOG_EPS`."""
_LOG_SQRT_TAU = math.log(math.sqrt(2.0 * math.pi))
_LOG2 = math.log(2.0)
_DX2_CAP = 1e300  # (x - mean)**2 is capped so that 0 * it stays 0 for INVALID Gaussians
# below this log density, pdf < 1e-26 is under half an ulp of pdf + eps: the term is log(eps)
_LOG_PDF_LOW = LOG_EPS - 40.0


@njit(cache=True, error_model="numpy")
def _welford(j, x, w, n, mean, m2):  # type: ignore[no-untyped-def]
    """River's `Var.update(x, w)` on row `j`, column k weighted by `w[k]` (0: left as is)."""
    for k in range(w.shape[0]):
        wk = w[k]
        nk = n[j, k] + wk
        old = mean[j, k]
        new = old + (wk / (nk if nk > 0.0 else 1.0)) * (x - old)
        n[j, k] = nk
        mean[j, k] = new
        m2[j, k] += wk * (x - old) * (x - new)


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _derive(j, n, m2, c1, lognorm):  # type: ignore[no-untyped-def]
    """`c1` and `lognorm` of row `j` from its counts and sums of squares (ddof 0)."""
    for k in range(n.shape[1]):
        nk = n[j, k]
        var = m2[j, k] / (nk if nk > 0.0 else 1.0)
        ok = var > 0.0
        safe = var if ok else 1.0
        c1[j, k] = -0.5 / safe if ok else 0.0
        lognorm[j, k] = -_LOG_SQRT_TAU - 0.5 * log_pos(safe) if ok else INVALID


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _predict_row(idx, val, n_labels, counts, first, mean, c1, lognorm, acc, pt, pf, on):  # type: ignore[no-untyped-def]
    """Probabilities of True (`pt`) and False (`pf`; NaN for a class never seen) and the
    predicted class (`on`) of each label, for one row."""
    width = acc.shape[0]
    acc[:] = 0.0
    for t in range(idx.shape[0]):
        j = idx[t]
        if j < 0:  # a feature never learned: no class has a Gaussian for it
            for k in range(width):
                acc[k] += LOG_EPS
            continue
        x = val[t]
        for k in range(width):  # acc[k] += log(eps + pdf_k(x))
            dx = x - mean[j, k]
            dx2 = dx * dx
            dx2 = dx2 if dx2 < _DX2_CAP else _DX2_CAP
            lp = dx2 * c1[j, k] + lognorm[j, k]
            acc[k] += log_pos(PDF_EPS + exp_clamped(lp, _LOG_PDF_LOW, 700.0))
    for lab in range(n_labels):
        cf = counts[2 * lab]
        ct = counts[2 * lab + 1]
        total = cf + ct
        if cf == 0.0 or ct == 0.0:  # one class (or none): its probability is 1
            pt[lab] = 1.0 if ct > 0.0 else np.nan
            pf[lab] = 1.0 if cf > 0.0 else np.nan
            on[lab] = ct > 0.0
            continue
        jf = math.log(cf / total) + acc[2 * lab]
        jt = math.log(ct / total) + acc[2 * lab + 1]
        if jf == jt:  # scipy's logsumexp: log1p(0) + log(2) + max
            lse = (0.0 + _LOG2) + jf
        else:
            top = max(jf, jt)
            lse = (math.log1p(math.exp(min(jf, jt) - top)) + 0.0) + top
        pt[lab] = math.exp(jt - lse)
        pf[lab] = math.exp(jf - lse)
        # river: max(probas, key=probas.get), the class seen first winning a tie
        on[lab] = pt[lab] > pf[lab] or (pt[lab] == pf[lab] and first[lab] == 1)


@njit(cache=True, error_model="numpy")
def _learn_row(idx, val, y, n_labels, counts, first, n, mean, m2, c1, lognorm, w):  # type: ignore[no-untyped-def]
    """Learn one row: `y[label]` is its class (0, 1) or -1 when the row does not give it."""
    w[:] = 0.0
    for lab in range(n_labels):
        c = y[lab]
        if c >= 0:
            counts[2 * lab + c] += 1.0
            if first[lab] < 0:
                first[lab] = c
            w[2 * lab + c] = 1.0
    for t in range(idx.shape[0]):
        _welford(idx[t], val[t], w, n, mean, m2)
        _derive(idx[t], n, m2, c1, lognorm)


@njit(cache=True, error_model="numpy")
def run(  # type: ignore[no-untyped-def]
    indptr, idx, val, Y, learn, predict, n_labels,
    counts, first, n, mean, m2, c1, lognorm, PT, PF, ON,
):  # fmt: skip
    """Test-then-train over sparse rows (`indptr`, `idx`, `val`, as CSR).

    For each row `i` in order: when `predict`, fill `PT[i]`, `PF[i]` and `ON[i]`; then, when
    `learn[i]`, learn it with the classes `Y[i]` (-1: label not given). Unknown features have
    `idx` -1 (only in rows that are not learned).
    """
    width = counts.shape[0]
    acc = np.empty(width)
    w = np.empty(width)
    for i in range(Y.shape[0]):
        a = indptr[i]
        b = indptr[i + 1]
        if predict:
            _predict_row(
                idx[a:b], val[a:b], n_labels, counts, first, mean, c1, lognorm, acc,
                PT[i], PF[i], ON[i],
            )  # fmt: skip
        if learn[i]:
            _learn_row(
                idx[a:b], val[a:b], Y[i], n_labels, counts, first, n, mean, m2, c1, lognorm, w
            )

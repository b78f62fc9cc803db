"""A slow pure-Python multi-label Hoeffding tree, written from the description, not the kernels.

It follows `learners.tree` for the "mc", "knn" and "lr" leaf predictors with no memory cap,
so that the kernels can be checked against it: same splits, same predictions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


def entropy(p: float) -> float:
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return -(p * math.log2(p) + (1.0 - p) * math.log2(1.0 - p))


class Gaussian:
    def __init__(self) -> None:
        self.w = 0.0
        self.mean = 0.0
        self.m2 = 0.0

    def add(self, x: float, w: float) -> None:
        total = self.w + w
        delta = x - self.mean
        mean = self.mean + delta * w / total
        self.m2 += w * delta * (x - mean)
        self.mean = mean
        self.w = total

    def below(self, t: float) -> float:
        if self.w <= 0.0:
            return 0.0
        var = self.m2 / self.w
        if var <= 1e-12 * (1.0 + self.mean * self.mean):
            return self.w if t >= self.mean else 0.0
        return self.w * 0.5 * (1.0 + math.erf((t - self.mean) / (math.sqrt(var) * math.sqrt(2))))


@dataclass
class Leaf:
    depth: int
    weight: float = 0.0
    last_attempt: float = 0.0
    empty: float = 0.0
    labels: dict[int, float] = field(default_factory=dict)
    labelsets: dict[tuple[int, ...], float] = field(default_factory=dict)
    # observers: feature -> class -> Gaussian, class "T" (all), "E" (empty set) or a label
    observers: dict[int, dict[object, Gaussian]] = field(default_factory=dict)
    ranges: dict[int, list[float]] = field(default_factory=dict)
    window: list[tuple[np.ndarray, tuple[int, ...]]] = field(default_factory=list)
    lr_w: dict[tuple[int, int], float] = field(default_factory=dict)
    lr_b: dict[int, float] = field(default_factory=dict)
    active: bool = True


@dataclass
class Branch:
    feature: int
    threshold: float
    left: object
    right: object
    depth: int


class ReferenceTree:
    def __init__(
        self,
        n_features: int,
        n_labels: int,
        *,
        grace_period: int,
        delta: float,
        tau: float,
        leaf_prediction: str,
        n_split_points: int = 10,
        knn_window: int = 170,
        knn_neighbors: int = 4,
        learning_rate: float = 1.0,
        bias_learning_rate: float = 0.1,
        min_branch_fraction: float = 0.01,
        max_share: float = 0.99,
    ) -> None:
        self.F, self.L = n_features, n_labels
        self.grace, self.delta, self.tau = grace_period, delta, tau
        self.mode = leaf_prediction
        self.points = n_split_points
        self.window = knn_window
        self.k = knn_neighbors
        self.rate, self.brate = learning_rate, bias_learning_rate
        self.min_frac, self.max_share = min_branch_fraction, max_share
        self.root: object = Leaf(depth=0)
        self.fstat = [Gaussian() for _ in range(n_features)]
        self.seen = 0.0
        self.splits: list[tuple[int, int, float]] = []

    # -- helpers ------------------------------------------------------------------------------

    def leaf_of(self, x: np.ndarray) -> Leaf:
        node = self.root
        while isinstance(node, Branch):
            node = node.left if x[node.feature] <= node.threshold else node.right
        assert isinstance(node, Leaf)
        return node

    def scaled(self, x: np.ndarray) -> dict[int, float]:
        out = {}
        for j in np.flatnonzero(x):
            s = self.fstat[j]
            if s.w < 2.0 or s.w < 0.5 * self.seen:
                out[int(j)] = float(x[j])
            else:
                var = s.m2 / s.w
                out[int(j)] = (x[j] - s.mean) / math.sqrt(var) if var > 1e-12 else 0.0
        return out

    @staticmethod
    def sigmoid(z: float) -> float:
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    # -- learning -----------------------------------------------------------------------------

    def learn(self, x: np.ndarray, positives: tuple[int, ...]) -> None:
        self.seen += 1.0
        for j in np.flatnonzero(x):
            self.fstat[j].add(float(x[j]), 1.0)
        leaf = self.leaf_of(x)
        leaf.weight += 1.0
        if not positives:
            leaf.empty += 1.0
        for lab in positives:
            leaf.labels[lab] = leaf.labels.get(lab, 0.0) + 1.0
        leaf.labelsets[positives] = leaf.labelsets.get(positives, 0.0) + 1.0
        if leaf.active:
            for j in np.flatnonzero(x):
                v = float(x[j])
                lo_hi = leaf.ranges.setdefault(int(j), [math.inf, -math.inf])
                lo_hi[0], lo_hi[1] = min(lo_hi[0], v), max(lo_hi[1], v)
                obs = leaf.observers.setdefault(int(j), {})
                for c in ["T"] + (["E"] if not positives else list(positives)):
                    obs.setdefault(c, Gaussian()).add(v, 1.0)
        if self.mode == "knn":
            leaf.window.append((x.astype(np.float32), positives))
            del leaf.window[: -self.window]
        if self.mode == "lr":
            xs = self.scaled(x)
            rate = self.rate / (1.0 + sum(v * v for v in xs.values()))
            for lab in range(self.L):
                z = leaf.lr_b.get(lab, 0.0) + sum(
                    leaf.lr_w.get((lab, j), 0.0) * v for j, v in xs.items()
                )
                g = self.sigmoid(z) - (1.0 if lab in positives else 0.0)
                if g == 0.0:
                    continue
                leaf.lr_b[lab] = leaf.lr_b.get(lab, 0.0) - self.brate * g
                for j, v in xs.items():
                    leaf.lr_w[(lab, j)] = leaf.lr_w.get((lab, j), 0.0) - rate * g * v
        if leaf.active and leaf.weight - leaf.last_attempt >= self.grace:
            self.attempt(leaf, x)

    def class_weight(self, leaf: Leaf, c: object) -> float:
        if c == "T":
            return leaf.weight
        if c == "E":
            return leaf.empty
        return leaf.labels.get(c, 0.0)  # type: ignore[call-overload]

    def leaf_entropy(self, leaf: Leaf) -> float:
        h = entropy(leaf.empty / leaf.weight)
        return h + sum(entropy(w / leaf.weight) for w in leaf.labels.values())

    def left_masses(
        self, leaf: Leaf, j: int, t: float, classes: list[object]
    ) -> dict[object, float]:
        obs = leaf.observers[j]
        out = {}
        for c in classes:
            g = obs.get(c, Gaussian())
            mass = g.below(t) + (self.class_weight(leaf, c) - g.w if t >= 0.0 else 0.0)
            out[c] = min(mass, self.class_weight(leaf, c))
        return out

    def attempt(self, leaf: Leaf, x: np.ndarray) -> None:
        leaf.last_attempt = leaf.weight
        if len(leaf.labelsets) <= 1:
            return
        share = max([leaf.empty, *leaf.labels.values()])
        if share / leaf.weight > self.max_share:
            return
        classes: list[object] = ["T"] + (["E"] if leaf.empty > 0 else [])
        classes += [lab for lab in range(self.L) if leaf.labels.get(lab, 0.0) > 0.0]
        parent_h = self.leaf_entropy(leaf)
        best, best_f, best_t, second = -math.inf, -1, 0.0, -math.inf
        for j in range(self.F):
            if j not in leaf.observers or leaf.observers[j]["T"].w <= 0.0:
                continue
            lo, hi = leaf.ranges[j]
            if leaf.weight - leaf.observers[j]["T"].w > 0.0:
                lo, hi = min(lo, 0.0), max(hi, 0.0)
            if not hi > lo:
                continue
            f_best, f_t = -math.inf, 0.0
            for k in range(1, self.points + 1):
                t = lo + (hi - lo) * k / (self.points + 1)
                left = self.left_masses(leaf, j, t, classes)
                wl = left["T"]
                wr = leaf.weight - wl
                if wl < self.min_frac * leaf.weight or wr < self.min_frac * leaf.weight:
                    continue
                hl = sum(entropy(min(max(left[c] / wl, 0.0), 1.0)) for c in classes[1:] if wl > 0)
                hr = sum(
                    entropy(min(max((self.class_weight(leaf, c) - left[c]) / wr, 0.0), 1.0))
                    for c in classes[1:]
                    if wr > 0
                )
                merit = parent_h - (wl * hl + wr * hr) / (wl + wr)
                if merit > f_best:
                    f_best, f_t = merit, t
            if f_best > best:
                second, best, best_f, best_t = best, f_best, j, f_t
            elif f_best > second:
                second = f_best
        if best_f < 0:
            return
        second = max(second, 0.0)
        r = math.log2(max(len(leaf.labelsets), 2))
        eps = math.sqrt(r * r * math.log(1.0 / self.delta) / (2.0 * leaf.weight))
        if not (best - second > eps or eps < self.tau):
            return
        if best <= 0.0:
            leaf.active = False
            return
        self.split(leaf, best_f, best_t, self.left_masses(leaf, best_f, best_t, classes))

    def split(self, leaf: Leaf, j: int, t: float, left: dict[object, float]) -> None:
        children = []
        for side in (0, 1):
            child = Leaf(depth=leaf.depth + 1)
            wl = min(max(left["T"], 0.0), leaf.weight)
            child.weight = wl if side == 0 else leaf.weight - wl
            child.last_attempt = child.weight
            emp = left.get("E", 0.0) if side == 0 else leaf.empty - left.get("E", 0.0)
            child.empty = min(max(emp, 0.0), child.weight)
            for lab in range(self.L):
                lw = left.get(lab, 0.0)
                v = lw if side == 0 else leaf.labels.get(lab, 0.0) - lw
                if min(max(v, 0.0), child.weight) > 0.0:
                    child.labels[lab] = min(max(v, 0.0), child.weight)
            child.lr_w = dict(leaf.lr_w)
            child.lr_b = dict(leaf.lr_b)
            child.window = [(r, y) for r, y in leaf.window if (float(r[j]) <= t) == (side == 0)]
            children.append(child)
        branch = Branch(j, t, children[0], children[1], leaf.depth)
        self.splits.append((leaf.depth, j, t))
        self.replace(leaf, branch)

    def replace(self, old: Leaf, new: Branch) -> None:
        if self.root is old:
            self.root = new
            return
        stack = [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, Branch):
                if node.left is old:
                    node.left = new
                    return
                if node.right is old:
                    node.right = new
                    return
                stack += [node.left, node.right]

    # -- prediction ---------------------------------------------------------------------------

    def predict(self, x: np.ndarray) -> np.ndarray:
        leaf = self.leaf_of(x)
        out = np.zeros(self.L)
        if leaf.weight <= 0.0 and not leaf.window:
            return out
        if self.mode == "mc" or (self.mode == "knn" and not leaf.window):
            if not leaf.labelsets:
                return np.array([leaf.labels.get(lab, 0.0) / leaf.weight for lab in range(self.L)])
            best = max(leaf.labelsets.items(), key=lambda kv: kv[1])[0]  # first max wins
            out[list(best)] = 1.0
            return out
        if self.mode == "knn":
            xq = x
            dists = []
            for row, ys in leaf.window:
                d2 = float(xq @ xq) + float(row.astype(np.float64) @ row.astype(np.float64))
                d2 -= 2.0 * float(xq @ row.astype(np.float64))
                dists.append((math.sqrt(d2) if d2 > 1e-12 else 0.0, ys))
            near = sorted(enumerate(dists), key=lambda e: (e[1][0], e[0]))[: self.k]
            if near[0][1][0] == 0.0:
                out[list(near[0][1][1])] = 1.0
                return out
            total = sum(1.0 / d for _, (d, _) in near)
            for _, (d, ys) in near:
                out[list(ys)] += (1.0 / d) / total
            return out
        xs = self.scaled(x)
        for lab in range(self.L):
            z = leaf.lr_b.get(lab, 0.0) + sum(
                leaf.lr_w.get((lab, j), 0.0) * v for j, v in xs.items()
            )
            out[lab] = self.sigmoid(z)
        return out

"""Figures of a calibration: marginals against the prior, pair plot, posterior predictive."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.priors import Calibrated


def _pyplot() -> Any:
    """Return matplotlib's pyplot on the file-only Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _short(path: str) -> str:
    return path.split(".")[-1].replace("_", " ")


def marginals(params: Sequence[Calibrated], draws: np.ndarray, out: Path) -> Path:
    """Posterior histogram of each parameter over its prior's support (prior: flat line)."""
    plt = _pyplot()
    d = len(params)
    cols = min(3, d)
    rows = -(-d // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for i, c in enumerate(params):
        ax = axes[i // cols][i % cols]
        x = draws[:, i]
        log = c.prior.kind == "loguniform"
        edges = (
            np.geomspace(c.prior.lo, c.prior.hi, 31)
            if log
            else np.linspace(c.prior.lo, c.prior.hi, 31)
        )
        ax.hist(x, bins=edges, density=False, color="tab:blue", alpha=0.8, label="posterior")
        ax.axhline(len(x) / 30, color="k", lw=1, ls="--", label="prior")
        if log:
            ax.set_xscale("log")
        ax.set_title(_short(c.path), fontsize=10)
        ax.set_yticks([])
    for j in range(d, rows * cols):
        axes[j // cols][j % cols].axis("off")
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Posterior marginals (dashed: the prior, uniform on the axis shown)")
    fig.tight_layout()
    path = out / "marginals.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def pairs(params: Sequence[Calibrated], unit: np.ndarray, out: Path) -> Path:
    """Pair plot of the posterior on the unit (prior-uniform) scale."""
    plt = _pyplot()
    d = len(params)
    fig, axes = plt.subplots(d, d, figsize=(1.8 * d, 1.8 * d), squeeze=False)
    for i in range(d):
        for j in range(d):
            ax = axes[i][j]
            if i == j:
                ax.hist(unit[:, i], bins=20, range=(0, 1), color="tab:blue")
            elif i > j:
                ax.scatter(unit[:, j], unit[:, i], s=2, alpha=0.4, color="tab:blue")
                ax.set_xlim(0, 1)
                ax.set_ylim(0, 1)
            else:
                r = np.corrcoef(unit[:, j], unit[:, i])[0, 1]
                ax.text(0.5, 0.5, f"{r:+.2f}", ha="center", va="center", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(_short(params[i].path), fontsize=7)
            if i == d - 1:
                ax.set_xlabel(_short(params[j].path), fontsize=7)
    fig.suptitle("Posterior pairs on the prior's unit scale (upper: correlation)", fontsize=10)
    fig.tight_layout()
    path = out / "pairs.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def predictive(table: pd.DataFrame, out: Path) -> Path:
    """Observed value of each target against the posterior predictive 50% and 90% intervals."""
    plt = _pyplot()
    n = len(table)
    fig, ax = plt.subplots(figsize=(7, 0.45 * n + 1.2))
    y = np.arange(n)[::-1]
    ax.hlines(y, table.q05, table.q95, color="tab:blue", lw=2, label="90% predictive")
    ax.hlines(y, table.q25, table.q75, color="tab:blue", lw=5, alpha=0.6, label="50%")
    ax.plot(table.observed, y, "o", color="k", label="observed")
    ax.set_yticks(y)
    ax.set_yticklabels(table.target, fontsize=8)
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlim(left=0)
    ax.set_xlabel("rate per year or share of crises")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Posterior predictive check")
    fig.tight_layout()
    path = out / "predictive.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

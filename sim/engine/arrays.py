"""Small array helpers that are faster than numpy's general forms on short axes."""

from __future__ import annotations

import numpy as np

_SEQUENTIAL_BELOW = 8
"""numpy sums fewer than 8 elements left to right (pairwise summation starts at 8)."""


def sum_last(x: np.ndarray) -> np.ndarray:
    """``x.sum(axis=-1)``, bit for bit, without numpy's slow reduction over a short axis.

    For fewer than 8 elements numpy adds them left to right starting from +0.0, and so
    does this (one strided addition per element over the whole batch); from 8 on
    numpy's pairwise summation is used as it is.
    """
    n = x.shape[-1]
    if n == 0 or n >= _SEQUENTIAL_BELOW:
        return x.sum(axis=-1)
    out = x[..., 0] + 0.0  # numpy starts from +0.0: a sum of -0.0s is +0.0
    for j in range(1, n):
        out += x[..., j]
    return out


def any_last(x: np.ndarray) -> np.ndarray:
    """``x.any(axis=-1)`` of a boolean array, by one ``|`` per element of a short last axis.

    numpy's reduction over a short axis costs more than the few element-wise operations.
    """
    n = x.shape[-1]
    if n == 0 or n >= _SEQUENTIAL_BELOW:
        return np.asarray(x.any(axis=-1))
    out = x[..., 0].copy()
    for j in range(1, n):
        out |= x[..., j]
    return out

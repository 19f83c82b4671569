"""Named random streams: one seed, an independent generator per mechanic.

Each stage draws from its own stream keyed by name (and by day or line where
it loops), so adding draws to one mechanic never shifts another's output, and
a streamed stage gives the same bytes however it is chunked.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator determined by ``seed`` and the ``keys`` naming what it is for."""
    words = [seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF]
    words += [zlib.crc32(str(k).encode("utf-8")) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))


def pick(rng: np.random.Generator, weights: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    """``n`` labels drawn from ``(label, weight)`` pairs, as a numpy string array."""
    labels = np.array([w[0] for w in weights])
    p = np.array([w[1] for w in weights], dtype=float)
    return labels[rng.choice(len(labels), size=n, p=p / p.sum())]

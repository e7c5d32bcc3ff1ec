"""Exponential backoff with full jitter, for retries and reconnects."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DEFAULT_BACKOFF_MIN_MS = 100
DEFAULT_BACKOFF_MAX_MS = 5_000


@dataclass
class Backoff:
    """Delays that double from ``min_ms`` up to ``max_ms``; each one is jittered to 50-100 %."""

    min_ms: int = DEFAULT_BACKOFF_MIN_MS
    max_ms: int = DEFAULT_BACKOFF_MAX_MS
    attempt: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def next_delay_s(self) -> float:
        """The next delay in seconds; every call doubles the ceiling."""
        ceiling = min(self.max_ms, self.min_ms * (2 ** min(self.attempt, 30)))
        self.attempt += 1
        return float(ceiling * (0.5 + 0.5 * self._rng.random()) / 1000.0)

    def reset(self) -> None:
        self.attempt = 0

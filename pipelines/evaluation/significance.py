"""Significance tests for comparing two taggers on the same tokens: McNemar's test and Holm's correction.

McNemar's test looks only at the tokens where exactly one of the two taggers is right (the discordant
pairs): under the null hypothesis that both taggers are equally accurate, each discordant token is a fair
coin. With few discordant tokens the exact binomial test is used; with more, the chi-square statistic with
Edwards' continuity correction (Dietterich 1998 recommends this test for comparing classifiers).
No scipy: the binomial sum is exact integer arithmetic and the chi-square tail with one degree of freedom
is erfc(sqrt(x / 2)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

EXACT_UP_TO = 25  # discordant tokens; above this the chi-square approximation is accurate enough


@dataclass(frozen=True)
class McNemarResult:
    first_only: int  # tokens the first tagger gets right and the second gets wrong
    second_only: int  # tokens the second tagger gets right and the first gets wrong
    method: str  # "exact binomial" or "chi-square, continuity-corrected"
    statistic: float | None  # the chi-square statistic; None for the exact test
    p_value: float  # two-sided

    @property
    def discordant(self) -> int:
        return self.first_only + self.second_only

    def to_json(self) -> dict:
        return asdict(self)


def discordant_counts(first: Sequence[bool], second: Sequence[bool]) -> tuple[int, int]:
    """(first right and second wrong, second right and first wrong) over the same tokens."""
    if len(first) != len(second):
        raise ValueError(f"the two taggers were scored on different tokens ({len(first)} and {len(second)})")
    first_only = sum(1 for a, b in zip(first, second) if a and not b)
    second_only = sum(1 for a, b in zip(first, second) if b and not a)
    return first_only, second_only


def mcnemar(first: Sequence[bool], second: Sequence[bool], exact_up_to: int = EXACT_UP_TO) -> McNemarResult:
    """McNemar's test on per-token correctness of two taggers over the same tokens."""
    return mcnemar_from_counts(*discordant_counts(first, second), exact_up_to=exact_up_to)


def mcnemar_from_counts(first_only: int, second_only: int, exact_up_to: int = EXACT_UP_TO) -> McNemarResult:
    if first_only < 0 or second_only < 0:
        raise ValueError("discordant counts cannot be negative")
    discordant = first_only + second_only
    if discordant <= exact_up_to:
        return McNemarResult(first_only, second_only, "exact binomial", None,
                             exact_binomial_p(first_only, second_only))
    # Edwards' correction, floored at zero so that equal counts give p = 1 rather than slightly less.
    statistic = max(abs(first_only - second_only) - 1, 0) ** 2 / discordant
    return McNemarResult(first_only, second_only, "chi-square, continuity-corrected", statistic,
                         chi_square_1_dof_p(statistic))


def exact_binomial_p(first_only: int, second_only: int) -> float:
    """Two-sided exact p: twice the smaller tail of Binomial(n, 1/2), capped at 1."""
    n = first_only + second_only
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(first_only, second_only) + 1))
    # Integer numerator over a power of two: no rounding until the one division.
    return min(1.0, 2 * tail / 2**n)


def chi_square_1_dof_p(statistic: float) -> float:
    """P(X >= statistic) for a chi-square variable with one degree of freedom."""
    if statistic <= 0:
        return 1.0
    return math.erfc(math.sqrt(statistic / 2))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input order (controls the family-wise error rate)."""
    count = len(p_values)
    order = sorted(range(count), key=lambda i: p_values[i])
    adjusted = [1.0] * count
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (count - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted

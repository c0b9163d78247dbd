#!/usr/bin/env python3
"""Statistics for comparing two sets of runs (one value per seed): Welch's t-test and confidence intervals.

Standard library only, so the results tables regenerate on any machine with Python 3.
The Student t distribution is computed from the regularised incomplete beta function (continued fraction,
modified Lentz method), accurate to about 1e-12, and its quantiles by bisection on the CDF.

Verdict rules (docs/RESULTS.md "How verdicts are decided"), with d = mean(a) - mean(b), where lower is better
(errors, perplexities):
- "<"   a is better than b (a claimed gain): one-sided Welch p = P(T <= t) under "no difference".
        p < 0.05 -> reproduced; the opposite one-sided p < 0.05 -> not reproduced (reversed); else inconclusive.
- "le+" a is no worse than b by more than the margin m (non-inferiority): the one-sided 95 % upper bound of d
        (the upper end of the two-sided 90 % interval) <= m -> reproduced; the 90 % lower bound > m -> not
        reproduced; else inconclusive.
- "~"   a and b are equivalent within +-m (two one-sided tests): the 90 % interval of d inside [-m, m] ->
        reproduced; the interval entirely outside [-m, m] -> not reproduced; else inconclusive.
With fewer than 2 runs on either side nothing is decided ("inconclusive: one seed").
A p-value between 0.05 and 0.2 with fewer than 5 seeds on a side is flagged: the project's rule is to run 5 seeds.
"""
import math


def _betacf(a, b, x):
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betainc(a, b, x):
    """Regularised incomplete beta I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbeta = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(lbeta)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t, df):
    """P(T <= t) for Student's t with df > 0 degrees of freedom (df may be fractional, as Welch's is)."""
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_ppf(p, df):
    """Quantile of Student's t: the t with P(T <= t) = p, by bisection (0 < p < 1)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"quantile probability must be in (0, 1), got {p}")
    lo, hi = -1.0, 1.0
    while t_cdf(lo, df) > p:
        lo *= 2.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, abs(mid)):
            break
    return 0.5 * (lo + hi)


def mean_sd(xs):
    """Mean and sample standard deviation (n - 1); sd is nan for one value."""
    n = len(xs)
    m = sum(xs) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)) if n > 1 else float("nan")
    return m, sd


class Welch:
    """Welch's unequal-variance comparison of two samples a and b (d = mean(a) - mean(b))."""

    def __init__(self, a, b):
        if len(a) < 2 or len(b) < 2:
            raise ValueError("Welch's test needs at least 2 values on each side")
        self.na, self.nb = len(a), len(b)
        (self.ma, self.sa), (self.mb, self.sb) = mean_sd(a), mean_sd(b)
        self.d = self.ma - self.mb
        va, vb = self.sa ** 2 / self.na, self.sb ** 2 / self.nb
        self.se = math.sqrt(va + vb)
        if self.se == 0.0:
            # Identical constant samples: the difference is known exactly.
            self.df, self.t = float("inf"), (0.0 if self.d == 0 else math.copysign(float("inf"), self.d))
        else:
            self.df = (va + vb) ** 2 / (va ** 2 / (self.na - 1) + vb ** 2 / (self.nb - 1))
            self.t = self.d / self.se

    def p_less(self):
        """One-sided p-value for "mean(a) < mean(b)"."""
        if self.se == 0.0:
            return 0.0 if self.d < 0 else 1.0
        return t_cdf(self.t, self.df)

    def p_greater(self):
        """One-sided p-value for "mean(a) > mean(b)"."""
        if self.se == 0.0:
            return 0.0 if self.d > 0 else 1.0
        return 1.0 - t_cdf(self.t, self.df)

    def p_two_sided(self):
        """Two-sided p-value for "mean(a) != mean(b)"."""
        return min(1.0, 2.0 * min(self.p_less(), self.p_greater()))

    def interval(self, level=0.90):
        """Two-sided confidence interval of d at the given level."""
        if self.se == 0.0:
            return self.d, self.d
        q = t_ppf(0.5 + level / 2.0, self.df)
        return self.d - q * self.se, self.d + q * self.se


def verdict(a, b, relation, margin=0.0):
    """(verdict, p_value, (lo, hi) 90 % interval or None, note) for one claim; see the module docstring."""
    if len(a) < 2 or len(b) < 2:
        return "inconclusive: one seed", None, None, ""
    w = Welch(a, b)
    lo, hi = w.interval(0.90)
    if relation == "<":
        p = w.p_less()
        if p < 0.05:
            v = "reproduced"
        elif w.p_greater() < 0.05:
            v = "not reproduced (reversed)"
        else:
            v = "inconclusive"
    elif relation == "le+":
        # H0: d >= m against H1: d < m.
        p = t_cdf((w.d - margin) / w.se, w.df) if w.se > 0 else (0.0 if w.d < margin else 1.0)
        v = "reproduced" if hi <= margin else ("not reproduced" if lo > margin else "inconclusive")
    elif relation == "~":
        if w.se > 0:
            p_low = 1.0 - t_cdf((w.d + margin) / w.se, w.df)   # H0: d <= -m
            p_high = t_cdf((w.d - margin) / w.se, w.df)        # H0: d >= +m
            p = max(p_low, p_high)
        else:
            p = 0.0 if abs(w.d) < margin else 1.0
        v = "reproduced" if (lo >= -margin and hi <= margin) else \
            ("not reproduced" if (lo > margin or hi < -margin) else "inconclusive")
    else:
        raise ValueError(f"unknown relation '{relation}' (allowed: <, le+, ~)")
    note = "needs 5 seeds" if 0.05 <= p <= 0.2 and min(w.na, w.nb) < 5 else ""
    return v, p, (lo, hi), note

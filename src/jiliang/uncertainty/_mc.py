"""Monte Carlo propagation of distributions (JCGM 101), fixed or adaptive, in bounded memory.

Why: the GUM framework linearises; Monte Carlo does not, and validates it (JCGM 101 8.2).
Trials run in batches from a seeded SFC64 generator; beyond a storage budget only running
moments and per-block interval endpoints are kept (their average, as in JCGM 101 7.9.4).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from scipy import special

from jiliang.uncertainty._distributions import Normal, StudentT
from jiliang.uncertainty._errors import UncertaintyError
from jiliang.uncertainty._gum import GumEvaluation
from jiliang.uncertainty._model import Model
from jiliang.uncertainty._numeric import guard

__all__ = [
    "McEvaluation",
    "McResult",
    "Validation",
    "coverage_intervals",
    "evaluate_adaptive",
    "evaluate_mc",
    "numerical_tolerance",
    "validate",
]

F64 = npt.NDArray[np.float64]


@cache
def jcgm101_constants() -> dict[str, Any]:
    """Constants of the adaptive procedure, read from the versioned data file."""
    ref = resources.files("jiliang.data").joinpath("uncertainty/jcgm101.yaml")
    data: dict[str, Any] = yaml.safe_load(ref.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class McResult:
    """Monte Carlo result for one output."""

    name: str
    value: float
    u: float
    interval_symmetric: tuple[float, float]
    interval_shortest: tuple[float, float]
    trials: int
    probability: float
    unit: str | None = None


@dataclass(frozen=True, eq=False)
class McEvaluation:
    """Monte Carlo results for all outputs, their covariance and a sample kept for plots."""

    results: tuple[McResult, ...]
    covariance: F64
    trials: int
    seed: int | None
    adaptive: bool
    converged: bool
    sequences: int
    significant_digits: int | None
    intervals_from: str  # "all trials" or "average of per-block intervals"
    sample: F64  # (outputs x kept trials), the first trials, for histograms

    def __getitem__(self, name: str) -> McResult:
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(name)

    @property
    def correlation(self) -> F64:
        d = np.sqrt(np.diag(self.covariance))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = self.covariance / np.outer(d, d)
        out = np.asarray(np.where(np.outer(d, d) > 0, r, np.eye(len(d))), dtype=np.float64)
        np.fill_diagonal(out, 1.0)
        return out


@dataclass(frozen=True)
class Validation:
    """JCGM 101 8.2: is the GUM coverage interval confirmed by Monte Carlo?"""

    name: str
    gum_valid: bool
    tolerance: float
    d_low: float
    d_high: float


# --- sampling -----------------------------------------------------------------------------

Sampler = Callable[[np.random.Generator, int], dict[str, F64]]


def _samplers(model: Model) -> list[Sampler]:
    """One sampler per independent input or per group of correlated inputs."""
    names = model.names
    r = model.correlation
    n = len(names)
    seen: set[int] = set()
    out: list[Sampler] = []
    for i in range(n):
        if i in seen:
            continue
        group = [i]
        stack = [i]
        seen.add(i)
        while stack:
            a = stack.pop()
            for b in range(n):
                if b not in seen and r[a, b] != 0:
                    seen.add(b)
                    group.append(b)
                    stack.append(b)
        if len(group) == 1:
            nm = names[i]
            dist = model.inputs[nm].sampling
            if model.inputs[nm].u == 0 and isinstance(dist, (Normal, StudentT)):
                out.append(_constant_sampler(nm, model.inputs[nm].value))
            else:
                out.append(_single_sampler(nm, dist))
        else:
            out.append(_group_sampler(model, sorted(group)))
    return out


def _constant_sampler(name: str, value: float) -> Sampler:
    def sample(rng: np.random.Generator, size: int) -> dict[str, F64]:
        return {name: np.full(size, value)}

    return sample


def _single_sampler(name: str, dist: Any) -> Sampler:
    def sample(rng: np.random.Generator, size: int) -> dict[str, F64]:
        return {name: dist.sample(rng, size)}

    return sample


def _group_sampler(model: Model, group: list[int]) -> Sampler:
    names = [model.names[i] for i in group]
    inputs = [model.inputs[nm] for nm in names]
    r = model.correlation[np.ix_(group, group)]
    w, v = np.linalg.eigh(r)
    lt = v * np.sqrt(np.clip(w, 0.0, None))  # r = lt lt^T, works for singular r
    nameset = frozenset(names)
    ens = next((e for e in model.ensemble_sets if nameset <= e), None)
    all_t = all(i.distribution is None for i in inputs)
    if ens is not None and all_t:
        # one sample -> multivariate t with the common dof (JCGM 102)
        nu = inputs[0].dof
        loc = np.array([i.value for i in inputs])
        scale = np.array([i.u for i in inputs])

        def mvt(rng: np.random.Generator, size: int) -> dict[str, F64]:
            z = lt @ rng.standard_normal((len(names), size))
            z *= np.sqrt(nu / rng.chisquare(nu, size))
            return {nm: loc[k] + scale[k] * z[k] for k, nm in enumerate(names)}

        return mvt
    dists = [i.sampling for i in inputs]
    for nm, d in zip(names, dists, strict=True):
        try:
            d.ppf(np.array([0.5]))
        except UncertaintyError as exc:
            raise UncertaintyError(f"input {nm!r}: {exc}") from None

    def copula(rng: np.random.Generator, size: int) -> dict[str, F64]:
        # Gaussian copula; exact multivariate normal for normal marginals (JCGM 101 6.4.8)
        z = lt @ rng.standard_normal((len(names), size))
        res: dict[str, F64] = {}
        for k, (nm, d) in enumerate(zip(names, dists, strict=True)):
            if isinstance(d, Normal):
                res[nm] = d.mu + d.sigma * z[k]
            else:
                res[nm] = d.ppf(special.ndtr(z[k]))
        return res

    return copula


def _run_batch(
    model: Model, samplers: list[Sampler], rng: np.random.Generator, size: int, out: F64
) -> None:
    env: dict[str, F64] = {}
    for s in samplers:
        env.update(s(rng, size))
    try:
        with np.errstate(all="ignore"):
            ys = model(env)
    except (TypeError, ValueError) as exc:
        raise UncertaintyError(
            f"the model failed on arrays of trials ({exc}); a callable model must be "
            "vectorised (numpy functions, not math.*)"
        ) from None
    for k, y in enumerate(ys):
        arr = np.asarray(y)
        if np.iscomplexobj(arr):
            raise UncertaintyError(f"output {model.output_names[k]!r} is complex")
        out[k, :] = arr  # broadcasts constants
        if not np.all(np.isfinite(out[k])):
            raise UncertaintyError(
                f"output {model.output_names[k]!r} is not finite for some Monte Carlo trials "
                "(a sampled input outside the domain of a function, or a division by zero)"
            )


Chunk = tuple[int, F64, F64]  # (count, mean, centred cross-product sums)


class _Runner:
    """Fills output arrays chunk by chunk; chunk k always uses child stream k of the seed.

    Why: results depend only on the seed and the chunk size, not on how many threads run
    the chunks (numpy releases the GIL while drawing and computing on large arrays).
    """

    def __init__(self, model: Model, seed: int | None, chunk: int, workers: int | None) -> None:
        self.model = model
        self.samplers = _samplers(model)
        self.seq = np.random.SeedSequence(seed)
        self.chunk = int(chunk)
        self.k = 0
        w = workers if workers is not None else min(4, os.cpu_count() or 1)
        self.pool = ThreadPoolExecutor(w) if w > 1 else None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()

    def _rng(self, k: int) -> np.random.Generator:
        ss = np.random.SeedSequence(self.seq.entropy, spawn_key=(*self.seq.spawn_key, k))
        return np.random.Generator(np.random.SFC64(ss))

    def fill(self, out: F64, keep_into: F64 | None = None) -> list[Chunk]:
        """Run the chunks of ``out``; the first trials are also copied into ``keep_into``."""
        n = out.shape[1]
        jobs = [(s, min(self.chunk, n - s), self.k + i)
                for i, s in enumerate(range(0, n, self.chunk))]  # fmt: skip
        self.k += len(jobs)
        n_keep = 0 if keep_into is None else keep_into.shape[1]

        def job(j: tuple[int, int, int]) -> Chunk:
            start, size, k = j
            view = out[:, start : start + size]
            _run_batch(self.model, self.samplers, self._rng(k), size, view)
            if keep_into is not None and start < n_keep:
                stop = min(n_keep, start + size)
                keep_into[:, start:stop] = view[:, : stop - start]
            mu = view.mean(axis=1)
            d = view - mu[:, None]
            return size, mu, np.einsum("ik,jk->ij", d, d)  # no BLAS threads for this

        if self.pool is None:
            return [job(j) for j in jobs]
        return list(self.pool.map(job, jobs))


def _merge(a: Chunk | None, b: Chunk) -> Chunk:
    """Chan et al. pairwise update of count, mean and co-moment (numerically stable)."""
    if a is None:
        return b
    na, ma, sa = a
    nb, mb, sb = b
    n = na + nb
    delta = mb - ma
    return n, ma + delta * (nb / n), sa + sb + np.outer(delta, delta) * (na * nb / n)


# --- coverage intervals ---------------------------------------------------------------------


def _q_r(m: int, probability: float) -> tuple[int, int]:
    """q and the 1-based r of the probabilistically symmetric interval (JCGM 101 7.7)."""
    pm = probability * m
    q = int(pm) if float(pm).is_integer() else math.floor(pm + 0.5)
    if q >= m:
        raise UncertaintyError(f"{m} trials are too few for probability {probability}")
    half = (m - q) / 2
    r = int(half) if float(half).is_integer() else math.floor((m - q + 1) / 2)
    return q, max(r, 1)


def coverage_intervals(sorted_y: F64, probability: float) -> tuple[F64, F64, F64, F64]:
    """Symmetric and shortest intervals of sorted rows (JCGM 101 7.7.1, 7.7.2).

    Returns (low_sym, high_sym, low_short, high_short), each with the leading shape of rows.
    """
    m = sorted_y.shape[-1]
    q, r = _q_r(m, probability)
    return _from_tails(sorted_y[..., : m - q], sorted_y[..., q:], r)


def _from_tails(lower: F64, upper: F64, r: int) -> tuple[F64, F64, F64, F64]:
    """lower = the M - q smallest values sorted, upper = the M - q largest sorted."""
    rs = np.argmin(upper - lower, axis=-1)
    low_h = np.take_along_axis(lower, rs[..., None], axis=-1)[..., 0]
    high_h = np.take_along_axis(upper, rs[..., None], axis=-1)[..., 0]
    return lower[..., r - 1], upper[..., r - 1], low_h, high_h


def _intervals_unsorted(
    y: F64, probability: float, pool: ThreadPoolExecutor | None = None
) -> tuple[F64, F64, F64, F64]:
    """Same as coverage_intervals but partitions instead of sorting everything (y is reordered).

    Only the M - q smallest and M - q largest values enter either interval, so a partition
    followed by sorting the two tails is exact and about ten times less work than a sort.
    """
    m = y.shape[-1]
    q, r = _q_r(m, probability)
    if 2 * (m - q) >= m:
        y.sort(axis=-1)
        return coverage_intervals(y, probability)
    if y.ndim == 2 and m >= 100_000:
        tails = [_tails(row, m - q, pool) for row in y]
        lower = np.array([t[0] for t in tails])
        upper = np.array([t[1] for t in tails])
        return _from_tails(lower, upper, r)
    y.partition([m - q - 1, q], axis=-1)
    lower = np.sort(y[..., : m - q], axis=-1)
    upper = np.sort(y[..., q:], axis=-1)
    return _from_tails(lower, upper, r)


def _tails(y: F64, k: int, pool: ThreadPoolExecutor | None = None) -> tuple[F64, F64]:
    """The k smallest and the k largest values of a long 1-D array, each sorted (exact).

    Thresholds estimated from a strided subsample select a little more than k values on each
    side by one comparison pass; if too few are selected the full partition is used instead.
    With a pool the two sides run in parallel (numpy releases the GIL for these passes).
    """
    n = y.size
    step = max(1, n // 20_000)
    sub = np.array(y[::step])
    ns = sub.size
    j = min(ns - 1, int(ns * (k / n) * 1.3) + 25)
    t_lo = np.partition(sub, j)[j]
    t_hi = np.partition(sub, ns - 1 - j)[ns - 1 - j]
    if pool is None:
        lo, hi = _smallest(y, k, t_lo), _largest(y, k, t_hi)
    else:
        later = pool.submit(_smallest, y, k, t_lo)
        hi = _largest(y, k, t_hi)
        lo = later.result()
    if lo is None or hi is None:  # rare: fall back to an exact partition of everything
        part = np.partition(y, [k - 1, n - k])
        return np.sort(part[:k]), np.sort(part[n - k :])
    return lo, hi


def _smallest(y: F64, k: int, threshold: float) -> F64 | None:
    """The k smallest values sorted, if at least k are <= threshold; else None."""
    sel = y[y <= threshold]
    if sel.size < k:
        return None
    return np.sort(np.partition(sel, k - 1)[:k])


def _largest(y: F64, k: int, threshold: float) -> F64 | None:
    """The k largest values sorted, if at least k are >= threshold; else None."""
    sel = y[y >= threshold]
    if sel.size < k:
        return None
    return np.sort(np.partition(sel, sel.size - k)[sel.size - k :])


def numerical_tolerance(u: float, n_dig: int) -> float:
    """delta = 10^l / 2 with u = c x 10^l, c an n_dig-digit integer (JCGM 101 7.9.2)."""
    if not (u > 0 and math.isfinite(u)):
        return 0.0
    ell = math.floor(math.log10(u)) - n_dig + 1
    c = round(u / 10.0**ell)
    if c >= 10**n_dig:
        ell += 1
    return 0.5 * 10.0**ell


def _check_probability(p: float) -> None:
    if not 0.0 < p < 1.0:
        raise UncertaintyError(f"probability must be in (0, 1), got {p!r}")


@guard("the Monte Carlo evaluation failed")
def evaluate_mc(
    model: Model,
    trials: int = 1_000_000,
    *,
    seed: int | None = None,
    probability: float = 0.95,
    batch_size: int = 1 << 16,
    max_stored: int = 20_000_000,
    keep: int = 1_000_000,
    workers: int | None = None,
) -> McEvaluation:
    """Monte Carlo with a fixed number of trials (JCGM 101 7).

    Up to ``max_stored`` output values are kept and intervals use every trial; beyond it
    the trials run in blocks whose interval endpoints are averaged (JCGM 101 7.9.4 style).
    ``workers`` threads share the work (default: up to 4 CPUs); results depend only on
    ``seed`` and ``batch_size``.
    """
    _check_probability(probability)
    if not (isinstance(trials, int) and trials >= 100):
        raise UncertaintyError(f"trials must be an integer >= 100, got {trials!r}")
    m = len(model.output_names)
    if trials * m <= max_stored:
        blocks = [trials]
    else:
        per = max(max_stored // m, 10_000)
        blocks = [per] * (trials // per)
        if trials % per:
            blocks[-1] += trials % per
    runner = _Runner(model, seed, batch_size, workers)
    mom: Chunk | None = None
    ends: list[tuple[F64, F64, F64, F64]] = []
    kept: F64 | None = None
    try:
        for block in blocks:
            ys = np.empty((m, block))
            first = kept is None
            if first:
                kept = np.empty((m, min(keep, block)))
            for c in runner.fill(ys, kept if first else None):
                mom = _merge(mom, c)
            ends.append(_intervals_unsorted(ys, probability, runner.pool))
            del ys
    finally:
        runner.close()
    assert mom is not None and kept is not None
    n, mean, s2 = mom
    cov = s2 / max(n - 1, 1)
    w = np.array(blocks, dtype=np.float64) / sum(blocks)
    avg = [sum(wi * e[j] for wi, e in zip(w, ends, strict=True)) for j in range(4)]
    how = "all trials" if len(blocks) == 1 else "average of per-block intervals"
    return _assemble(model, mean, cov, avg, trials, probability, seed, False, True, 1, None, how,
                     kept)  # fmt: skip


def _assemble(
    model: Model,
    mean: F64,
    cov: F64,
    ends: list[Any],
    trials: int,
    p: float,
    seed: int | None,
    adaptive: bool,
    converged: bool,
    h: int,
    n_dig: int | None,
    how: str,
    kept: F64,
) -> McEvaluation:
    results = []
    for k, name in enumerate(model.output_names):
        results.append(
            McResult(
                name=name,
                value=float(mean[k]),
                u=float(math.sqrt(max(cov[k, k], 0.0))),
                interval_symmetric=(float(ends[0][k]), float(ends[1][k])),
                interval_shortest=(float(ends[2][k]), float(ends[3][k])),
                trials=trials,
                probability=p,
                unit=model.units.get(name),
            )
        )
    return McEvaluation(tuple(results), cov, trials, seed, adaptive, converged, h, n_dig, how, kept)


@guard("the adaptive Monte Carlo evaluation failed")
def evaluate_adaptive(
    model: Model,
    significant_digits: int | None = None,
    *,
    seed: int | None = None,
    probability: float = 0.95,
    max_trials: int = 1_000_000_000,
    max_stored: int = 20_000_000,
    keep: int = 1_000_000,
    max_block: int = 2_000_000,
    workers: int | None = None,
) -> McEvaluation:
    """Adaptive Monte Carlo procedure of JCGM 101 7.9.4.

    Sequences of M = max(ceil(100/(1-p)), 10^4) trials are added until twice the standard
    deviation of the sequence averages of y, u(y) and of both ends of both coverage intervals
    is at most the numerical tolerance delta of u(y) (7.9.2) for every output.
    """
    _check_probability(probability)
    const = jcgm101_constants()["adaptive"]
    n_dig = int(significant_digits or const["default_significant_digits"])
    if not 1 <= n_dig <= 6:
        raise UncertaintyError(f"significant digits must be 1..6, got {n_dig}")
    big_m = max(
        math.ceil(const["j_factor"] / (1.0 - probability) - 1e-9),
        int(const["min_trials_per_sequence"]),
    )
    runner = _Runner(model, seed, big_m, workers)  # one child stream per sequence
    try:
        return _adaptive(model, runner, big_m, n_dig, seed, probability, max_trials, max_stored,
                         keep, max_block)  # fmt: skip
    finally:
        runner.close()


def _adaptive(
    model: Model,
    runner: _Runner,
    big_m: int,
    n_dig: int,
    seed: int | None,
    probability: float,
    max_trials: int,
    max_stored: int,
    keep: int,
    max_block: int,
) -> McEvaluation:
    m = len(model.output_names)
    stats_seq: list[F64] = []  # per sequence: (6, m): y, u, ls, hs, lh, hh
    sums1: list[F64] = []  # per sequence (m,) shifted sums
    sums2: list[F64] = []  # per sequence (m, m) shifted cross sums
    ref: F64 | None = None
    stored: list[F64] = []
    n_stored = 0
    store_ok = True
    kept: F64 | None = None
    nb = 1
    h_done = 0
    converged = False
    while True:
        nb_eff = min(nb, max(1, max_block // big_m), (max_trials // big_m) - h_done)
        if nb_eff <= 0:
            break
        ys = np.empty((m, nb_eff * big_m))
        chunks = runner.fill(ys)  # one chunk per sequence
        if ref is None:
            ref = chunks[0][1].copy()
        have = 0 if kept is None else kept.shape[1]
        if have < keep:
            extra = ys[:, : keep - have].copy()
            kept = extra if kept is None else np.concatenate([kept, extra], axis=1)
        seqs = ys.reshape(m, nb_eff, big_m)
        means = np.array([c[1] for c in chunks]).T  # (m, nb)
        sds = np.sqrt(np.array([np.diag(c[2]) for c in chunks]).T / (big_m - 1))
        dm = [c[1] - ref for c in chunks]
        s1 = np.array([big_m * x for x in dm])  # (nb, m) sums of (y - ref)
        s2 = np.array([c[2] + big_m * np.outer(x, x) for c, x in zip(chunks, dm, strict=True)])
        if store_ok and n_stored + ys.size <= max_stored:
            stored.append(ys.copy())
            n_stored += ys.size
        else:
            store_ok = False
            stored.clear()
        ls, hs, lh, hh = _intervals_unsorted(seqs, probability)
        del seqs, ys
        for b in range(nb_eff):
            stats_seq.append(np.stack([means[:, b], sds[:, b], ls[:, b], hs[:, b], lh[:, b],
                                       hh[:, b]]))  # fmt: skip
            sums1.append(s1[b])
            sums2.append(s2[b])
        # check each new prefix h in order (7.9.4 d-i), vectorised over the new prefixes
        allstats = np.array(stats_seq)  # (H, 6, m)
        big_h = allstats.shape[0]
        hs_ = np.arange(1, big_h + 1, dtype=np.float64)
        dev = allstats - allstats[0]
        cs = np.cumsum(dev, axis=0)
        css = np.cumsum(dev * dev, axis=0)
        c1 = np.cumsum(np.array(sums1), axis=0)  # (H, m)
        c2 = np.cumsum(np.array([np.diag(x) for x in sums2]), axis=0)
        stop_at = None
        first = max(h_done + 1, 2)
        if big_h >= first:
            sel = slice(first - 1, big_h)
            hh_ = hs_[sel]
            nn = hh_ * big_m
            mu = c1[sel] / nn[:, None]
            u_all = np.sqrt(np.maximum((c2[sel] - nn[:, None] * mu * mu) / (nn[:, None] - 1), 0))
            var_s = (css[sel] - cs[sel] ** 2 / hh_[:, None, None]) / (hh_[:, None, None] - 1)
            sdev = np.sqrt(np.maximum(var_s, 0.0) / hh_[:, None, None])  # (n_new, 6, m)
            tol = np.vectorize(lambda x: numerical_tolerance(float(x), n_dig))(u_all)
            ok = np.all(2.0 * sdev <= tol[:, None, :], axis=(1, 2))
            if np.any(ok):
                stop_at = int(hh_[int(np.argmax(ok))])
        h_done = len(stats_seq)
        if stop_at is not None:
            converged = True
            h_done = stop_at
            break
        if h_done * big_m >= max_trials:
            break
        nb *= 2
    h = h_done
    assert ref is not None and kept is not None
    n = h * big_m
    s1_tot = np.sum(np.array(sums1[:h]), axis=0)
    s2_tot = np.sum(np.array(sums2[:h]), axis=0)
    mu = s1_tot / n
    cov = (s2_tot - n * np.outer(mu, mu)) / (n - 1)
    mean = ref + mu
    if store_ok and stored:
        allv = np.concatenate(stored, axis=1)[:, :n]
        ends = list(_intervals_unsorted(allv, probability))
        how = "all trials"
    else:
        avg = np.array(stats_seq[:h]).mean(axis=0)  # (6, m)
        ends = [avg[2], avg[3], avg[4], avg[5]]
        how = "average of per-sequence intervals (JCGM 101 7.9.4)"
    return _assemble(
        model,
        mean,
        cov,
        ends,
        n,
        probability,
        seed,
        True,
        converged,
        h,
        n_dig,
        how,
        kept[:, : min(keep, n)],
    )


@guard("the validation of GUM by Monte Carlo failed")
def validate(
    gum: GumEvaluation, mc: McEvaluation, significant_digits: int | None = None
) -> tuple[Validation, ...]:
    """Compare the GUM interval y +- U_p with the Monte Carlo one (JCGM 101 8.2).

    delta is the numerical tolerance of the GUM u(y) at n_dig significant digits;
    d_low = |y - U_p - y_low|, d_high = |y + U_p - y_high| (probabilistically symmetric).
    """
    n_dig = int(significant_digits or jcgm101_constants()["adaptive"]["default_significant_digits"])
    out = []
    for g in gum.results:
        r = mc[g.name]
        delta = numerical_tolerance(g.u, n_dig)
        d_low = abs(g.interval[0] - r.interval_symmetric[0])
        d_high = abs(g.interval[1] - r.interval_symmetric[1])
        out.append(
            Validation(g.name, bool(d_low <= delta and d_high <= delta), delta, d_low, d_high)
        )
    return tuple(out)

"""The 双随机 draw is re-runnable from its seed, by anyone, with the documented one-liner."""

from __future__ import annotations

import hashlib

import pytest

from jiliang.supervision import ALGORITHM, SupervisionInputError, draw, rank

KEYS = [f"P{i:03d}" for i in range(40)]


def test_same_seed_same_draw_whatever_the_order() -> None:
    first = draw("2026-campaign-7", "premises", KEYS, 5)
    again = draw("2026-campaign-7", "premises", list(reversed(KEYS)), 5)
    assert first.selected == again.selected
    assert len(first.selected) == 5 and first.population == 40
    assert first.algorithm == ALGORITHM


def test_matches_the_documented_recipe() -> None:
    # the recipe in jiliang/supervision/_draw.py, written out independently here
    seed, label = "abc", "inspectors"
    expected = sorted(
        KEYS,
        key=lambda k: (hashlib.sha256(f"{seed}\x1f{label}\x1f{k}".encode()).hexdigest(), k),
    )[:3]
    assert list(draw(seed, label, KEYS, 3).selected) == expected
    assert rank(seed, label, "P000") == hashlib.sha256(b"abc\x1finspectors\x1fP000").hexdigest()


def test_other_seed_or_label_draws_otherwise() -> None:
    base = draw("s1", "premises", KEYS, 10).selected
    assert draw("s2", "premises", KEYS, 10).selected != base
    assert draw("s1", "inspectors", KEYS, 10).selected != base


def test_count_above_population_draws_all() -> None:
    assert sorted(draw("s", "premises", KEYS[:3], 10).selected) == KEYS[:3]


@pytest.mark.parametrize(("seed", "count"), [("", 1), ("a\nb", 1), ("x" * 201, 1), ("s", -1)])
def test_bad_seed_or_count(seed: str, count: int) -> None:
    with pytest.raises(SupervisionInputError):
        draw(seed, "premises", KEYS, count)

"""Regressions found by crawling and fuzzing the running demo (issue #2: bad input never yields
a 500). Each case is a request that once answered 500."""

from __future__ import annotations

import pytest

# One past the largest BigAutoField key: the SQLite driver cannot bind it (OverflowError).
TOO_BIG = str(2**63)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/people/?institution=" + TOO_BIG, "institution"),
        ("/standards/?institution=" + TOO_BIG, "institution"),
        ("/instruments/?owner=" + TOO_BIG, "owner"),
        ("/instruments/?owner=" + "9" * 30, "owner"),
        ("/certificates/?issuer=" + TOO_BIG, "issuer"),
        ("/certificates/?instrument=" + TOO_BIG, "instrument"),
    ],
)
def test_an_id_filter_beyond_any_key_is_a_400_naming_the_field(
    world, client_as, path: str, field: str
) -> None:
    response = client_as("admin").get(path)
    assert response.status_code == 400
    text = response.content.decode()
    assert 'role="alert"' in text
    assert f'<code><bdi lang="zh">{field}</bdi></code>' in text  # field names are data (i18n)


def test_the_largest_key_itself_is_a_valid_filter_that_finds_nothing(world, client_as) -> None:
    response = client_as("admin").get(f"/instruments/?owner={2**63 - 1}")
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []

"""Property: for any set of submitting labs, any viewer and either side of the deadline,
the visible results are exactly those the sealing rule allows (docs/campaigns.md table)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiliang.comparisons import services
from jiliang.comparisons.models import Submission
from tests.comparisons.conftest import LAB_USERS, move_deadline

VIEWERS = [*LAB_USERS, "centre", "admin", "market", "reg_zibo", "reg_bj", "taxi"]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    submitters=st.sets(st.sampled_from(LAB_USERS)),
    viewer=st.sampled_from(VIEWERS),
    after_deadline=st.booleans(),
)
def test_sealing_rule(comparison, submitters, viewer, after_deadline) -> None:
    campaign = comparison.campaign
    users = comparison.users
    move_deadline(campaign, past=False)
    Submission.objects.filter(participant__campaign=campaign).delete()
    campaign.participants.update(state="accepted")
    for name in submitters:
        services.submit(users[name], campaign, value=float(len(name)), u=1.0)
    if after_deadline:
        move_deadline(campaign, past=True)
    seen = {
        s.participant.institution_id for s in services.visible_submissions(users[viewer], campaign)
    }
    submitted = {users[name].institution_id for name in submitters}
    if viewer in LAB_USERS:
        expected = submitted & {users[viewer].institution_id}
    elif viewer in ("centre", "admin") and after_deadline:
        expected = submitted
    else:
        expected = set()
    assert seen == expected

from datetime import timedelta

import pytest
from django.utils import timezone

from gonghui.core.periods import Period
from gonghui.dashboards.figures import CampaignUnit, Compared, learning
from gonghui.learning import actions

pytestmark = pytest.mark.usefixtures("tallies_exact")


def test_the_learning_tile_counts_from_the_data(tree, operator, make_member, lesson):
    today = timezone.localdate()
    actions.create_campaign(
        actor=operator,
        org=tree.root,
        title="学习《重要论述》",
        starts_on=today,
        ends_on=today + timedelta(days=9),
        lessons=[lesson],
        min_lessons=1,
    )
    done = make_member(tree.station, name="张甲")
    partial = make_member(tree.hlg, name="李乙")
    now = timezone.now()
    actions.record_progress(
        member=done, reports=[actions.PlayReport("a", lesson.pk, 0, 100_000, now)]
    )
    actions.record_progress(
        member=partial, reports=[actions.PlayReport("b", lesson.pk, 0, 30_000, now)]
    )
    tile = learning(tree.root, Period(today, today))
    assert tile.learners == Compared(2, 0)
    assert tile.lessons_completed == Compared(1, 0)
    assert tile.listening_hours == Compared(0, 0)
    assert tile.campaign == "学习《重要论述》"
    assert tile.campaign_units == [
        CampaignUnit("海淀区总工会", 0, 0),
        CampaignUnit("回龙观街道总工会", 1, 1),
        CampaignUnit("德胜街道总工会", 0, 0),
    ]

"""Activities for tests."""

from datetime import datetime, timedelta
from typing import Any

from gonghui.events import actions
from gonghui.events.models import Activity


def seminar(*, actor: Any, org: Any, starts_at: datetime, capacity: int = 100) -> Activity:
    """The 工匠精神 seminar of `org` for its subtree's members, published, three hours long."""
    return actions.create_activity(
        actor=actor,
        org=org,
        title="工匠精神研讨会",
        category="seminar",
        description="研讨“工匠精神”",
        audience="subtree",
        audience_org=None,
        place="中关村会议中心",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        publish=True,
        capacity=capacity,
    )

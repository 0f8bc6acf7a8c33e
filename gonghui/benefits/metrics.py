"""The tallies the benefits app counts (see gonghui.orgs.tallies), named once here, and how
each is recomputed from the rows and moved with a service handed to another org.

Each metric: who counts it; the rows that recompute it; the org and the day it counts at.

- `benefits.views`: record_view; each service's views per day (ServiceDay); the service's org;
  day.
- `benefits.claims`: claim_offer; every claim; the member's union when claiming (Claim.org);
  claimed_at.
- `benefits.redemptions`: redeem_code, upload_redemptions; redeemed claims; Claim.org;
  redeemed_at.

Only views count at the service's org, so `update_service` moves a service's views
(`share_of`) with it; claims and redemptions stay with the member's union.
"""

from django.db.models import F, Sum
from django.db.models.functions import TruncDate

from gonghui.benefits.models import Claim, Service, ServiceDay
from gonghui.orgs.tallies import Part, Share, Source, grouped, share

VIEWS = "benefits.views"
CLAIMS = "benefits.claims"
REDEMPTIONS = "benefits.redemptions"


def share_of(service: Service) -> Share:
    """What the service's views add to its org's tallies, per day (one query)."""
    return share(ServiceDay.objects.filter(service=service), metric=VIEWS, day="day", value="views")


def _parts(wanted: set[str]) -> list[Part]:
    parts: list[Part] = []
    if VIEWS in wanted:
        # Views are not rows of their own: each service keeps a count per day.
        days = ServiceDay.objects.all()
        org = F("service__org_id")
        parts.append((grouped(days, org=org, day=F("day"), metric=VIEWS, value=Sum("views")), 1))
    if CLAIMS in wanted:
        day = TruncDate("claimed_at")
        parts.append((grouped(Claim.objects.all(), org=F("org_id"), day=day, metric=CLAIMS), 1))
    if REDEMPTIONS in wanted:
        redeemed = Claim.objects.filter(redeemed_at__isnull=False)
        day = TruncDate("redeemed_at")
        parts.append((grouped(redeemed, org=F("org_id"), day=day, metric=REDEMPTIONS), 1))
    return parts


SOURCES = [Source((VIEWS, CLAIMS, REDEMPTIONS), _parts)]

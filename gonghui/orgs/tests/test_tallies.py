from datetime import date

import pytest

from gonghui.orgs import tallies
from gonghui.orgs.models import Tally

pytestmark = pytest.mark.django_db


def test_counts_add_up_per_org_day_and_metric(tree):
    tallies.count(tree.zgc.pk, "members.joined", on=date(2026, 10, 19))
    tallies.count(tree.zgc.pk, "members.joined", 3, on=date(2026, 10, 19))
    tallies.count(tree.zgc.pk, "members.joined", -1, on=date(2026, 10, 19))
    tallies.count(tree.zgc.pk, "members.joined", on=date(2026, 10, 20))
    tallies.count(tree.hlg.pk, "members.joined", on=date(2026, 10, 19))
    tallies.count(tree.zgc.pk, "checkins.activity", 0, on=date(2026, 10, 19))

    rows = set(Tally.objects.values_list("org__name", "day", "metric", "value"))
    assert rows == {
        ("中关村科学城总工会", date(2026, 10, 19), "members.joined", 3),
        ("中关村科学城总工会", date(2026, 10, 20), "members.joined", 1),
        ("回龙观街道总工会", date(2026, 10, 19), "members.joined", 1),
    }


def test_count_many_adds_every_group_in_one_statement(tree, django_assert_num_queries):
    tallies.count(tree.zgc.pk, "members.joined", 2, on=date(2026, 10, 19))
    with django_assert_num_queries(1):
        tallies.count_many(
            {
                (tree.zgc.pk, date(2026, 10, 19), "members.joined"): 3,
                (tree.zgc.pk, date(2026, 10, 20), "members.joined"): 1,
                (tree.hlg.pk, date(2026, 10, 19), "members.joined"): 0,
                (tree.hlg.pk, date(2026, 10, 19), "members.left"): 1,
            }
        )
    rows = set(Tally.objects.values_list("org__name", "day", "metric", "value"))
    assert rows == {
        ("中关村科学城总工会", date(2026, 10, 19), "members.joined", 5),
        ("中关村科学城总工会", date(2026, 10, 20), "members.joined", 1),
        ("回龙观街道总工会", date(2026, 10, 19), "members.left", 1),
    }


def test_count_many_of_nothing_runs_no_statement(tree, django_assert_num_queries):
    with django_assert_num_queries(0):
        tallies.count_many({(tree.zgc.pk, date(2026, 10, 19), "members.joined"): 0})

"""The innovation tile of the dashboard: entries by unit and category, review progress."""

from django.utils import timezone

from gonghui.core.periods import Period
from gonghui.dashboards import figures
from gonghui.reviews import actions


def test_the_tile_counts_entries_by_unit_and_category_and_review_progress(
    tree, operator, call, make_member, entry_of
):
    first = entry_of(make_member(tree.hlg), call, "测试仪")
    entry_of(make_member(tree.hlg), call, "定位器")
    entry_of(make_member(tree.sohu), call, "消音器")
    juror = make_member(tree.desheng).user
    assignment = actions.assign_reviewer(actor=operator, entry=first, reviewer=juror)
    actions.assign_reviewer(actor=operator, entry=first, reviewer=make_member(tree.zgc).user)
    actions.start_review(actor=operator, call=call)
    actions.score_entry(
        actor=juror,
        assignment=assignment,
        values={c.pk: 5 for c in call.rubrics.get().criteria.all()},
    )
    today = timezone.localdate()
    tile = figures.innovation(tree.root, Period(today, today))
    assert (tile.entries, tile.assignments, tile.scored) == (3, 2, 1)
    assert [(r.org_name, r.category, r.entries) for r in tile.by_unit] == [
        ("回龙观街道总工会", "小发明", 2),
        ("搜狐集团（北京）工会", "小发明", 1),
    ]
    assert figures.innovation(tree.hlg, Period(today, today)).entries == 2
    assert figures.innovation(tree.desheng, Period(today, today)).entries == 0

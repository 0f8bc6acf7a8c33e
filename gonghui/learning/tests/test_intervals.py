from gonghui.learning.intervals import covered, merge


def test_merge_orders_joins_and_drops_empty_pieces():
    assert merge([], [(30, 40), (0, 10), (10, 20), (5, 5), (50, 45)]) == [(0, 20), (30, 40)]


def test_merge_swallows_contained_and_bridging_pieces():
    held = [(0, 10), (20, 30), (40, 50)]
    assert merge(held, [(2, 8)]) == held
    assert merge(held, [(5, 45)]) == [(0, 50)]
    assert merge(held, [(30, 40)]) == [(0, 10), (20, 50)]


def test_merge_is_idempotent_and_order_free():
    pieces = [(7, 19), (0, 3), (18, 25), (2, 8)]
    once = merge([], pieces)
    assert once == [(0, 25)]
    assert merge(once, pieces) == once
    assert merge([], list(reversed(pieces))) == once


def test_covered_sums_the_pieces():
    assert covered([(0, 20), (30, 40)]) == 30
    assert covered([]) == 0

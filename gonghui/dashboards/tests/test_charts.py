import re

from gonghui.dashboards.charts import Series, bar_chart, column_chart, nice_ceiling


def test_round_axis_maxima():
    assert [nice_ceiling(n) for n in (0, 1, 2, 3, 7, 10, 11, 199, 482, 5137)] == [
        1,
        1,
        2,
        5,
        10,
        10,
        20,
        200,
        500,
        10000,
    ]


def test_bars_are_as_long_as_their_values_with_escaped_chinese_labels():
    svg = str(bar_chart([("快递员", 200), ("<外卖骑手>", 100), ("其他", 0)], title="按岗位"))
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert "<title>按岗位</title>" in svg
    assert "&lt;外卖骑手&gt;" in svg
    assert "<外卖骑手>" not in svg
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1]
    assert widths[2] == 0
    assert "<script" not in svg
    assert "http://www.w3.org/2000/svg" in svg


def test_columns_carry_a_legend_a_scale_and_a_tooltip_per_value():
    svg = str(
        column_chart(
            ["1月", "2月", "3月"],
            [Series("入会", [3, 0, 7]), Series("转出", [1, 1, 0])],
            title="入会与转出",
        )
    )
    assert ">入会</text>" in svg
    assert ">转出</text>" in svg
    assert ">10</text>" in svg  # the scale's top: 7 rounded up
    assert "<title>3月 入会: 7</title>" in svg
    assert len(re.findall(r"<rect [^>]*><title>", svg)) == 4  # zeros draw nothing
    assert ">1月</text>" in svg


def test_an_empty_chart_still_draws():
    assert "<svg" in str(column_chart([], [Series("入会", [])], title="空"))
    assert "<svg" in str(bar_chart([], title="空"))


def test_a_long_bar_label_is_cut_with_an_ellipsis_and_shown_whole_on_hover():
    svg = bar_chart(
        [("中关村科学城第一届职工技能大赛决赛", 3), ("短标题", 1)], title="t", label_width=104
    )
    # (104 - 8) // 12 = 8 characters: seven and the ellipsis.
    assert "<title>中关村科学城第一届职工技能大赛决赛</title>中关村科学城第…</text>" in svg
    assert ">短标题</text>" in svg
    assert "<title>短标题</title>" not in svg

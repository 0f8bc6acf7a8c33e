from gonghui.core.tree import ancestor_paths, collapse, successor


def test_successor_bounds_a_subtree():
    assert successor("00001") == "00002"
    assert successor("0000100009") == "0000100010"
    assert successor("99999") is None


def test_collapse_keeps_only_the_highest_paths():
    assert collapse(["0000100002", "00001", "00003", "0000300001"]) == ["00001", "00003"]


def test_ancestor_paths():
    assert ancestor_paths("000010000200003") == ["00001", "0000100002"]

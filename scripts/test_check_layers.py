from pathlib import Path

from scripts.check_layers import check, problems_in


def test_an_upward_import_is_reported():
    source = "from gonghui.accounts.models import User\n"
    assert problems_in(Path("orgs/actions.py"), "orgs", source) == [
        "orgs/actions.py:1: orgs (rank 1) imports gonghui.accounts.models.User (higher)"
    ]


def test_downward_and_own_imports_pass():
    source = "from gonghui.core import audit\nfrom gonghui.orgs.models import Org\n"
    assert problems_in(Path("accounts/actions.py"), "accounts", source) == []


def test_feature_apps_do_not_call_each_others_actions():
    source = "from gonghui.events import actions\n"
    assert problems_in(Path("benefits/actions.py"), "benefits", source) == [
        "benefits/actions.py:1: feature app benefits imports events's actions"
    ]


def test_views_may_import_any_domain_module(tmp_path: Path):
    (tmp_path / "orgs").mkdir()
    (tmp_path / "orgs" / "staff_views.py").write_text("from gonghui.accounts import queries\n")
    (tmp_path / "orgs" / "queries.py").write_text("from gonghui.accounts import queries\n")
    assert [line.split(":")[0] for line in check(tmp_path)] == [
        str(tmp_path / "orgs" / "queries.py")
    ]


def test_the_project_passes_its_own_check():
    assert check(Path(__file__).resolve().parent.parent / "gonghui") == []

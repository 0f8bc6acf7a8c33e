"""The funnel check itself: it must catch what it claims to catch, and pass the real code."""

from pathlib import Path

from scripts.check_funnel import check, violations

BAD_VIEW = """
from django.shortcuts import get_object_or_404
from gonghui.orgs.models import Org

def org_detail(request, org_id):
    org = Org.objects.get(pk=org_id)
    other = get_object_or_404(Org, pk=org_id)
    rows = Org.objects.raw("SELECT * FROM orgs_org")
    return org
"""

GOOD_VIEW = """
from gonghui.orgs import queries

def org_detail(request, org_id):
    return queries.get_org_for(request.user, org_id, "orgs.view")
"""


def test_flags_direct_model_access_in_a_view():
    found = sorted(violations(BAD_VIEW, "views.py"))
    assert found == [
        "views.py:6: `.objects` — go through queries/actions",
        "views.py:7: `get_object_or_404` — use a get_*_for(user, id, capability)",
        "views.py:8: `.objects` — go through queries/actions",
        "views.py:8: `.raw()` — raw SQL bypasses the scope",
    ]


def test_accepts_a_view_that_uses_the_funnel():
    assert list(violations(GOOD_VIEW, "views.py")) == []


def test_finds_a_violation_in_a_file_named_like_a_view(tmp_path: Path):
    (tmp_path / "staff_views.py").write_text(BAD_VIEW, encoding="utf-8")
    (tmp_path / "queries.py").write_text(BAD_VIEW, encoding="utf-8")  # queries may use .objects
    found = check([tmp_path])
    assert found
    assert all("staff_views.py" in line for line in found)


def test_the_project_passes_its_own_check():
    package = Path(__file__).resolve().parent.parent / "gonghui"
    assert check([package]) == []

from pathlib import Path

from scripts.check_layers import check


def _house(root: Path, modules: dict[str, str]) -> Path:
    """A package tree under root/gonghui: each module path → its source; every app listed
    by a module gets an __init__.py."""
    package = root / "gonghui"
    for name, source in modules.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (package / Path(name).parts[0] / "__init__.py").touch()
        path.write_text(source, encoding="utf-8")
    return package


def _problems(package: Path) -> list[str]:
    return [line.replace(f"{package}/", "") for line in check(package)]


def test_an_upward_import_is_reported(tmp_path: Path):
    package = _house(
        tmp_path,
        {"orgs/actions.py": "from gonghui.accounts.models import User\n", "accounts/models.py": ""},
    )
    assert _problems(package) == [
        "orgs/actions.py:1: orgs (rank 1) imports gonghui.accounts.models.User (higher)"
    ]


def test_downward_and_own_imports_pass(tmp_path: Path):
    package = _house(
        tmp_path,
        {
            "accounts/actions.py": (
                "from gonghui.core import audit\nfrom gonghui.orgs.models import Org\n"
                "from gonghui.accounts.models import User\nfrom . import roles\n"
            ),
            "core/audit.py": "",
            "orgs/models.py": "",
        },
    )
    assert _problems(package) == []


def test_a_lazy_or_relative_upward_import_counts_too(tmp_path: Path):
    package = _house(
        tmp_path,
        {
            "orgs/actions.py": "def f():\n    from ..members import models\n",
            "members/models.py": "",
        },
    )
    assert _problems(package) == [
        "orgs/actions.py:2: orgs (rank 1) imports gonghui.members.models (higher)"
    ]


def test_feature_apps_do_not_call_each_others_actions(tmp_path: Path):
    package = _house(
        tmp_path,
        {
            "benefits/actions.py": "from gonghui.events import actions\n",
            "events/models.py": "",
        },
    )
    assert _problems(package) == [
        "benefits/actions.py:1: benefits imports events's actions (same rank)"
    ]


def test_a_view_may_import_its_own_and_lower_apps_and_same_rank_queries(tmp_path: Path):
    package = _house(
        tmp_path,
        {
            "events/staff_views.py": (
                "from gonghui.events import actions\nfrom gonghui.checkins.models import CheckIn\n"
                "from gonghui.core.pages import paginate\n"
                "from gonghui.stations.queries import list_stations\n"
            ),
            "events/templatetags/events.py": "from gonghui.members import cards\n",
            "stations/models.py": "",
        },
    )
    assert _problems(package) == []


def test_a_view_importing_web_api_demo_or_a_same_rank_model_is_reported(tmp_path: Path):
    package = _house(
        tmp_path,
        {
            "members/views.py": (
                "from gonghui.web.access import staff_required\nfrom gonghui.api import errors\n"
                "from gonghui.demo import load\nfrom gonghui.checkins.models import CheckIn\n"
            ),
            "events/urls.py": "from gonghui.stations.models import Station\n",
            "web/access.py": "",
            "api/errors.py": "",
            "demo/load.py": "",
            "stations/models.py": "",
        },
    )
    assert _problems(package) == [
        "events/urls.py:1: view module of events imports gonghui.stations.models.Station"
        " (same rank, not queries)",
        "members/views.py:1: view module of members (rank 4) imports"
        " gonghui.web.access.staff_required (higher)",
        "members/views.py:2: view module of members (rank 4) imports gonghui.api.errors (higher)",
        "members/views.py:3: view module of members (rank 4) imports gonghui.demo.load (higher)",
        "members/views.py:4: view module of members (rank 4) imports"
        " gonghui.checkins.models.CheckIn (higher)",
    ]


def test_the_demo_may_import_anything_and_nothing_imports_it(tmp_path: Path):
    package = _house(
        tmp_path,
        {
            "demo/load.py": (
                "from gonghui.web import views\nfrom gonghui.api import urls\n"
                "from gonghui.events.actions import create_activity\n"
                "from gonghui.dashboards.tallies import rebuild\n"
            ),
            "web/views.py": "",
            "api/urls.py": "",
            "events/actions.py": "",
            "dashboards/tallies.py": "",
            "housekeeping/purge.py": "from gonghui.demo.load import load_demo\n",
        },
    )
    assert _problems(package) == [
        "housekeeping/purge.py:1: housekeeping (rank 8) imports gonghui.demo.load.load_demo"
        " (higher)"
    ]


def test_the_projects_own_modules_are_imported_by_no_app(tmp_path: Path):
    package = _house(
        tmp_path,
        {"core/tasks.py": "from gonghui import settings\n", "core/__init__.py": ""},
    )
    (package / "settings.py").write_text("from gonghui.core import tasks\n", encoding="utf-8")
    assert _problems(package) == [
        "core/tasks.py:1: core imports gonghui.settings (the project's own modules sit on top)",
        "import cycle among core, the project: core → the project → core"
        " (core/tasks.py:1 imports gonghui.settings; settings.py:1 imports gonghui.core.tasks)",
    ]


def test_an_import_cycle_is_reported_with_its_path(tmp_path: Path):
    package = _house(
        tmp_path,
        {
            "web/views.py": "from gonghui.api import schemas\n",
            "api/schemas.py": "from gonghui.web.context import home_of\n",
            "web/context.py": "",
        },
    )
    assert _problems(package) == [
        "import cycle among api, web: api → web → api (api/schemas.py:1 imports"
        " gonghui.web.context.home_of; web/views.py:1 imports gonghui.api.schemas)"
    ]


def test_a_cycle_through_views_is_a_cycle(tmp_path: Path):
    package = _house(
        tmp_path,
        {
            "orgs/staff_views.py": "from gonghui.orgs import actions\n",
            "orgs/actions.py": "",
            "web/views.py": "from gonghui.orgs.queries import list_orgs\n",
            "orgs/views.py": "from gonghui.core.pages import paginate\n",
            "core/pages.py": "",
            "core/audit.py": "from gonghui.web import context\n",
            "web/context.py": "",
        },
    )
    assert _problems(package) == [
        "core/audit.py:1: core (rank 0) imports gonghui.web.context (higher)",
        "import cycle among core, orgs, web: core → web → orgs → core (core/audit.py:1 imports"
        " gonghui.web.context; web/views.py:1 imports gonghui.orgs.queries.list_orgs;"
        " orgs/views.py:1 imports gonghui.core.pages.paginate)",
    ]


def test_a_package_without_a_rank_is_reported(tmp_path: Path):
    package = _house(tmp_path, {"gadgets/models.py": "", "core/audit.py": ""})
    assert _problems(package) == ["gadgets: package gadgets has no rank"]


def test_tests_and_migrations_are_not_checked(tmp_path: Path):
    package = _house(
        tmp_path,
        {
            "core/tests/test_x.py": "from gonghui.demo.load import load_demo\n",
            "core/migrations/0001_initial.py": "from gonghui.orgs import models\n",
            "demo/load.py": "",
        },
    )
    assert _problems(package) == []


def test_the_project_passes_its_own_check():
    assert check(Path(__file__).resolve().parent.parent / "gonghui") == []

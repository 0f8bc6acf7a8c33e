"""Demo activities (being written)."""

from gonghui.accounts.models import User


def load_activities(*, staff: dict[str, User], worker: User) -> None:
    pass

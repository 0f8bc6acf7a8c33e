"""Demo benefits (being written)."""

from gonghui.accounts.models import User


def load_benefits(*, staff: dict[str, User], worker: User) -> None:
    pass

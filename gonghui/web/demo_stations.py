"""Demo stations (being written)."""

from gonghui.accounts.models import User


def load_stations(*, staff: dict[str, User], worker: User) -> None:
    pass

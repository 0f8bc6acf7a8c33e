from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from gonghui.accounts.models import User
    from gonghui.members.models import Member


def _cancel_registrations(sender: Any, *, actor: "User", member: "Member", **kwargs: Any) -> int:
    from gonghui.checkins.actions import cancel_future_registrations

    return cancel_future_registrations(actor=actor, member=member)


class CheckinsConfig(AppConfig):
    name = "gonghui.checkins"
    label = "checkins"

    def ready(self) -> None:
        # A worker who withdraws consent gives up the places they hold at what is still to
        # come; members announces it and does not import checkins, which sits above it.
        from gonghui.members.signals import consent_withdrawn

        consent_withdrawn.connect(
            _cancel_registrations, dispatch_uid="checkins.cancel_on_consent_withdrawn"
        )

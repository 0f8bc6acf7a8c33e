from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from gonghui.accounts.models import User


def _link_membership(sender: Any, *, user: "User", **kwargs: Any) -> None:
    from gonghui.members.actions import link_membership_on_sign_in

    link_membership_on_sign_in(user=user)


class MembersConfig(AppConfig):
    name = "gonghui.members"
    label = "members"

    def ready(self) -> None:
        # Accounts sits below members and must not import it: it announces the sign-in, and
        # members links the membership recorded with the number the worker just proved.
        from gonghui.accounts.signals import worker_signed_in

        worker_signed_in.connect(_link_membership, dispatch_uid="members.link_membership")
        # Every app that keeps rows about a worker declares them in its personal_data.py
        # (members/own_data.py); importing them here spares members importing the apps above.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("personal_data")

"""The one signal members sends: a cross-layer notification that higher apps act on.

`consent_withdrawn` is sent by `actions.withdraw_consent`, inside its transaction, when a
worker has withdrawn their consent: each app above members that holds something the worker
still has coming (a place at an activity) ends it in its own handler, connected in its
AppConfig.ready() (checkins: `checkins.cancel_on_consent_withdrawn`). Members imports none of
them.
"""

from django.dispatch import Signal

# Sent with `actor` (the worker's account) and `member` (their membership, just ended).
consent_withdrawn = Signal()

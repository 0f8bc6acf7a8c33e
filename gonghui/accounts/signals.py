"""The one signal accounts sends: a cross-layer notification that higher apps may act on.

`worker_signed_in` is sent by `actions.verify_login_code` when a worker has just proved, with
the SMS code, that they hold their account's mobile number. The members app links a
membership recorded with that number to the account (members/apps.py connects it); accounts
does not import members, which sits above it.
"""

from django.dispatch import Signal

# Sent with `user`: the worker's account (created at first sign-in).
worker_signed_in = Signal()

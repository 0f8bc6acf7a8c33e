"""Two hundred attempts to pay one person at once (staff at two union levels, several
devices, retries): exactly one payment, the trial balance 0. PostgreSQL: real row locks and
a real unique index under concurrent transactions."""

import threading
from collections import Counter

import pytest
from django.db import connection

from gonghui.care import actions
from gonghui.care.actions import Handout
from gonghui.care.models import Relief
from gonghui.core.errors import DomainError
from gonghui.ledger.models import Entry, Payout
from gonghui.ledger.queries import trial_balance

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ATTEMPTS = 200
THREADS = 25  # connections at once: the server allows 100, shared by six engineers


def test_200_concurrent_attempts_pay_exactly_once(staff, campaign, site, member, tree, make_staff):
    above = make_staff(tree.root, "operator")
    payers = [staff, above]
    outcomes: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker(attempts: list[int]) -> None:
        try:
            barrier.wait()
            for n in attempts:
                try:
                    actions.hand_out(
                        actor=payers[n % 2],
                        campaign=campaign,
                        site=site,
                        handout=Handout(
                            member=member, kind=Relief.Kind.CASH, fund="special", amount=50_000
                        ),
                    )
                    code = "paid"
                except DomainError as refusal:
                    code = refusal.code
                with lock:
                    outcomes[code] += 1
        except Exception as error:  # pragma: no cover — reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(list(range(ATTEMPTS))[i::THREADS],))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert outcomes == Counter({"paid": 1, "already_paid": ATTEMPTS - 1})
    assert (Payout.objects.count(), Relief.objects.count()) == (1, 1)
    assert Entry.objects.filter(kind="care.relief").count() == 1
    assert trial_balance() == {"CNY": 0}

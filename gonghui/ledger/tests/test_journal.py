"""The journal's guards: in the action and, past it, in the database itself."""

import uuid
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from gonghui.core.errors import DomainError
from gonghui.ledger import journal
from gonghui.ledger.journal import Leg
from gonghui.ledger.models import Account, Commodity, Entry, Fund, Posting
from gonghui.ledger.queries import balances, trial_balance

pytestmark = pytest.mark.usefixtures("ledger_exact")
DAY = date(2026, 11, 20)


@pytest.fixture
def packs(db):
    return Commodity.objects.create(
        code="test:packs", name="巧克力饼干套装", unit="份", kind=Commodity.Kind.GOODS
    )


def _legs(tree, packs, *amounts):
    accounts = [Account.SOURCE, Account.STOCK, Account.LOSS]
    return [
        Leg(tree.desheng, accounts[i], packs, amount, Fund.OWN_BUDGET)
        for i, amount in enumerate(amounts)
    ]


def _write(tree, packs, *amounts):
    return journal.write_entry(
        actor_id=None,
        org=tree.desheng,
        day=DAY,
        kind="test",
        purpose="test:1",
        memo="",
        legs=_legs(tree, packs, *amounts),
    )


def test_an_unbalanced_entry_is_refused_by_the_action(tree, packs):
    with pytest.raises(DomainError) as refused:
        _write(tree, packs, -1236, 1235)
    assert refused.value.code == "unbalanced"
    assert (
        str(refused.value)
        == "分录不平衡：巧克力饼干套装 各记录合计为 -1 份，而不是 0。未作任何记录。"
    )
    assert not Posting.objects.exists()


def test_the_same_refusal_reads_in_english(tree, packs, english):
    with pytest.raises(DomainError) as refused:
        _write(tree, packs, -1236, 1235)
    assert str(refused.value) == (
        "The entry does not balance: its postings of 巧克力饼干套装 add up to -1 份 instead "
        "of 0. Nothing was written."
    )


def test_money_is_shown_in_yuan():
    assert journal.yuan(4_095_000) == "40,950.00"
    assert journal.yuan(-5) == "-0.05"


def _raw(tree, packs, entry_id, *amounts):
    Posting.objects.bulk_create(
        [
            Posting(
                entry_id=entry_id, org=tree.desheng, day=DAY, account=a, commodity=packs, amount=n
            )
            for a, n in zip([Account.SOURCE, Account.STOCK], amounts, strict=False)
        ]
    )


def _check_now():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ledger_entry_balanced IMMEDIATE")


def _write_raw(tree, packs, *amounts, check_now=True):
    """Postings and their entry straight into the tables, past the action."""
    entry_id = uuid.uuid4()
    with transaction.atomic():
        if check_now:
            _check_now()
        _raw(tree, packs, entry_id, *amounts)
        Entry.objects.create(id=entry_id, org=tree.desheng, day=DAY, kind="raw")


def test_the_database_refuses_an_unbalanced_entry_written_past_the_action(tree, packs):
    with pytest.raises(IntegrityError, match="does not balance"):
        _write_raw(tree, packs, -5, 4)
    assert not Entry.objects.exists()


def test_the_database_refuses_an_entry_without_postings(tree, packs):
    with pytest.raises(IntegrityError, match="no postings"):
        _write_raw(tree, packs)


def test_a_written_entry_takes_no_more_postings(tree, packs):
    entry = _write(tree, packs, -3, 3)
    with pytest.raises(IntegrityError, match="already written"), transaction.atomic():
        _raw(tree, packs, entry.pk, 5, -5)
    assert trial_balance() == {"test:packs": 0}


def test_postings_are_never_updated(tree, packs):
    _write(tree, packs, -3, 3)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Posting.objects.filter(amount=3).update(amount=4)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Entry.objects.update(memo="changed")


@pytest.mark.postgres
def test_postgres_refuses_deleting_postings_and_entries(tree, packs):
    _write(tree, packs, -3, 3)
    for table in ("ledger_posting", "ledger_entry"):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a constant name)
    assert Posting.objects.count() == 2


@pytest.mark.postgres
def test_postgres_checks_the_balance_at_commit(transactional_db, tree, packs):
    with pytest.raises(IntegrityError, match="does not balance"):
        _write_raw(tree, packs, -5, 4, check_now=False)
    assert not Posting.objects.exists()


def test_balances_of_a_parent_include_its_subtree(tree, packs):
    journal.write_entry(
        actor_id=None,
        org=tree.root,
        day=DAY,
        kind="test",
        purpose="",
        memo="",
        legs=[
            Leg(tree.root, Account.STOCK, packs, -10, Fund.DONATION),
            Leg(tree.desheng, Account.STOCK, packs, 6, Fund.DONATION),
            Leg(tree.hlg, Account.STOCK, packs, 4, Fund.DONATION),
        ],
    )
    assert [b.amount for b in balances(tree.desheng)] == [6]
    assert [b.amount for b in balances(tree.hlg)] == [4]
    assert balances(tree.root) == []  # the union's own −10 and its subtree's +10
    assert trial_balance(tree.desheng) == {"test:packs": 6}

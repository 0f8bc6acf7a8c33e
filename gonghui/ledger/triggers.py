"""The database's own guard of the journal, installed after every migrate (post_migrate).

Both databases: an entry's insert checks that the postings written before it (same entry id)
exist and sum to zero per commodity, and a posting into an entry already written is refused
(the entry seals its postings). PostgreSQL runs the balance check as a constraint trigger
deferred to the commit, and refuses every UPDATE and DELETE of entries and postings.

SQLite refuses UPDATE but not DELETE: Django empties tables between transactional tests with
DELETE on SQLite (PostgreSQL uses TRUNCATE, which row triggers do not see), and no code path
deletes a ledger row. SQLite has no deferred triggers; its balance check runs at the entry's
insert, which is the same moment because the entry is always written last.
"""

from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION ledger_entry_balanced() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM ledger_posting WHERE entry_id = NEW.id) THEN
            RAISE EXCEPTION 'ledger entry % has no postings', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (
            SELECT 1 FROM ledger_posting WHERE entry_id = NEW.id
            GROUP BY commodity_id HAVING SUM(amount) <> 0
        ) THEN
            RAISE EXCEPTION 'ledger entry % does not balance', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    "DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_entry",
    """
    CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced()
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_posting_sealed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM ledger_entry WHERE id = NEW.entry_id) THEN
            RAISE EXCEPTION 'ledger entry % is already written', NEW.entry_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    "DROP TRIGGER IF EXISTS ledger_posting_sealed ON ledger_posting",
    """
    CREATE TRIGGER ledger_posting_sealed BEFORE INSERT ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_posting_sealed()
    """,
    """
    CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END $$
    """,
    "DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry",
    """
    CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only()
    """,
    "DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting",
    """
    CREATE TRIGGER ledger_posting_append_only BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only()
    """,
]

SQLITE = [
    "DROP TRIGGER IF EXISTS ledger_entry_balanced",
    """
    CREATE TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry
    BEGIN
        SELECT RAISE(ABORT, 'ledger entry has no postings')
        WHERE NOT EXISTS (SELECT 1 FROM ledger_posting WHERE entry_id = NEW.id);
        SELECT RAISE(ABORT, 'ledger entry does not balance')
        WHERE EXISTS (
            SELECT 1 FROM ledger_posting WHERE entry_id = NEW.id
            GROUP BY commodity_id HAVING SUM(amount) <> 0
        );
    END
    """,
    "DROP TRIGGER IF EXISTS ledger_posting_sealed",
    """
    CREATE TRIGGER ledger_posting_sealed BEFORE INSERT ON ledger_posting
    BEGIN
        SELECT RAISE(ABORT, 'ledger entry is already written')
        WHERE EXISTS (SELECT 1 FROM ledger_entry WHERE id = NEW.entry_id);
    END
    """,
    "DROP TRIGGER IF EXISTS ledger_entry_no_update",
    """
    CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END
    """,
    "DROP TRIGGER IF EXISTS ledger_posting_no_update",
    """
    CREATE TRIGGER ledger_posting_no_update BEFORE UPDATE ON ledger_posting
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END
    """,
]


def install(connection: BaseDatabaseWrapper) -> None:
    statements = {"postgresql": POSTGRES, "sqlite": SQLITE}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_after_migrate(using: str = "default", **_kwargs: Any) -> None:
    install(connections[using])

"""The raw SQL of the security audit: the append-only triggers, the chain lock and the purge.

The trigger text is what migration ``0002_append_only`` installs: change it only together with a
new migration that replaces the functions. Every value is a parameter.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from django.db import connections

# The retention floor is written into the trigger, not read from a setting: a misconfigured or
# compromised portal cannot ask the database to forget recent events.
RETENTION_FLOOR_DAYS: Final = 180
# Any constant works; this one is "audits" in ASCII, unlikely to meet another advisory lock.
CHAIN_LOCK_KEY: Final = 0x617564697473

APPEND_ONLY = f"""
CREATE FUNCTION audits_guard_row() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('tianfu.audit_purge', true) = 'on'
       AND OLD.at < now() - interval '{RETENTION_FLOOR_DAYS} days' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the security audit is append-only: DELETE of event % refused', OLD.id
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'only a purge of events older than {RETENTION_FLOOR_DAYS} days may delete';
    END IF;
    RAISE EXCEPTION 'the security audit is append-only: UPDATE of event % refused', OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION audits_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the security audit is append-only: TRUNCATE refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audits_event_append_only
    BEFORE UPDATE OR DELETE ON audits_auditevent
    FOR EACH ROW EXECUTE FUNCTION audits_guard_row();

CREATE TRIGGER audits_event_no_truncate
    BEFORE TRUNCATE ON audits_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audits_refuse_truncate();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS audits_event_no_truncate ON audits_auditevent;
DROP TRIGGER IF EXISTS audits_event_append_only ON audits_auditevent;
DROP FUNCTION IF EXISTS audits_refuse_truncate();
DROP FUNCTION IF EXISTS audits_guard_row();
"""

# The trigger names, for tests and operators that must switch one off as the table owner.
ROW_TRIGGER: Final = "audits_event_append_only"
TRUNCATE_TRIGGER: Final = "audits_event_no_truncate"

_HEAD = """
SELECT clock_timestamp(), (SELECT tag FROM audits_auditevent ORDER BY id DESC LIMIT 1)
"""


def lock_chain(alias: str, *, wait_limit: str | None = None) -> tuple[dt.datetime, str]:
    """Take the chain lock for this transaction; return the time now and the newest tag.

    Appends wait for one another, so each reads the tag its predecessor committed. The time is
    read under the lock, so times grow with ids. ``wait_limit`` (``"10s"``) turns a wait that
    cannot end, on a lock held by the caller's own other connection, into an error.
    """
    with connections[alias].cursor() as cursor:
        if wait_limit:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [wait_limit])
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        cursor.execute(_HEAD)
        now, last_tag = cursor.fetchone()
    return now, last_tag or ""


def delete_through(alias: str, last_id: int) -> int:
    """Delete the events up to id ``last_id`` as a purge, in the caller's transaction.

    The flag lasts until the transaction ends; the trigger still refuses any row younger than
    the retention floor, and then nothing is deleted.
    """
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT set_config('tianfu.audit_purge', 'on', true)")
        cursor.execute("DELETE FROM audits_auditevent WHERE id <= %s", [last_id])
        return cursor.rowcount

"""Make the history trail append-only in a way no ORM call can switch off.

Why: pghistory's own ``append_only`` triggers are pgtrigger triggers, and every pgtrigger trigger
first asks ``_pgtrigger_should_ignore()``. ``pgtrigger.ignore()`` called without arguments ignores
*every* registered trigger, so ``with pgtrigger.ignore(): AssetEvent.objects.all().delete()``
would erase history, and ``with pgtrigger.ignore(): Asset.objects.update(...)`` would change
records without recording the change. This migration adds plain PostgreSQL triggers that never
consult that switch:

* ``tianfu_history_append_only`` on every event table refuses UPDATE and DELETE;
* ``tianfu_history_keep_context`` on ``pghistory_context`` refuses DELETE (contexts are upserted
  while a request runs, so UPDATE stays allowed);
* ``tianfu_history_not_ignored`` on every tracked table refuses a statement while one of that
  table's history triggers is listed in ``pgtrigger.ignore``.

The tables are found in the catalogue, not listed here: event tables by their ``pgh_label`` and
``pgh_created_at`` columns, tracked tables by triggers whose function calls
``_pgh_attach_context()``. A later migration that adds a tracked model runs
``SELECT tianfu_guard_history();`` again (it is idempotent); ``portal.core.history
.unguarded_tables()`` lists what is missing and the history tests fail until then.

What this cannot stop: the role that owns the tables may ``ALTER TABLE ... DISABLE TRIGGER``,
``TRUNCATE`` them or drop the triggers, and a PostgreSQL superuser may set
``session_replication_role = replica``. Production must therefore run the portal with a role
that owns no table and holds no TRUNCATE privilege; only migrations run as the owner.

Reversing drops the three functions and, through CASCADE, every trigger that uses them.
"""

from django.db import migrations

GUARD_SQL = r"""
CREATE OR REPLACE FUNCTION tianfu_history_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION tianfu_history_refuse_ignore() RETURNS trigger AS $$
DECLARE
    setting TEXT := current_setting('pgtrigger.ignore', true);
BEGIN
    IF setting IS NULL OR setting IN ('', '{}') THEN
        RETURN NULL;
    END IF;
    IF EXISTS (
        SELECT 1
          FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE t.tgrelid = TG_RELID
           AND t.tgname = ANY (setting::TEXT[])
           AND position('_pgh_attach_context(' IN p.prosrc) > 0
    ) THEN
        RAISE EXCEPTION 'history triggers of % cannot be ignored', TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION tianfu_guard_history() RETURNS void AS $$
DECLARE
    tbl REGCLASS;
BEGIN
    FOR tbl IN
        SELECT c.oid::REGCLASS
          FROM pg_class c
         WHERE c.relkind = 'r'
           AND c.relnamespace = current_schema()::REGNAMESPACE
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                          AND a.attname = 'pgh_label' AND NOT a.attisdropped)
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                          AND a.attname = 'pgh_created_at' AND NOT a.attisdropped)
    LOOP
        EXECUTE format(
            'CREATE OR REPLACE TRIGGER tianfu_history_append_only BEFORE UPDATE OR DELETE '
            'ON %s FOR EACH ROW EXECUTE FUNCTION tianfu_history_refuse_change()', tbl);
    END LOOP;
    FOR tbl IN
        SELECT DISTINCT t.tgrelid::REGCLASS
          FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE NOT t.tgisinternal AND position('_pgh_attach_context(' IN p.prosrc) > 0
    LOOP
        EXECUTE format(
            'CREATE OR REPLACE TRIGGER tianfu_history_not_ignored '
            'BEFORE INSERT OR UPDATE OR DELETE ON %s '
            'FOR EACH STATEMENT EXECUTE FUNCTION tianfu_history_refuse_ignore()', tbl);
    END LOOP;
    CREATE OR REPLACE TRIGGER tianfu_history_keep_context BEFORE DELETE ON pghistory_context
        FOR EACH ROW EXECUTE FUNCTION tianfu_history_refuse_change();
END;
$$ LANGUAGE plpgsql;

SELECT tianfu_guard_history();
"""

UNGUARD_SQL = """
DROP FUNCTION IF EXISTS tianfu_guard_history();
DROP FUNCTION IF EXISTS tianfu_history_refuse_ignore() CASCADE;
DROP FUNCTION IF EXISTS tianfu_history_refuse_change() CASCADE;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("pghistory", "0007_auto_20250421_0444"),
        ("org", "0001_initial"),
        ("buildings", "0001_initial"),
        ("parcels", "0001_initial"),
        ("assets", "0001_initial"),
        ("depots", "0001_initial"),
        ("fleet", "0001_initial"),
    ]

    operations = [migrations.RunSQL(GUARD_SQL, reverse_sql=UNGUARD_SQL)]

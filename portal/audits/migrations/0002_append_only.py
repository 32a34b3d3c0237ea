"""Make the audit trail append-only in the database, whatever the application asks.

Why: the issue (MLPS level 3) requires audit records protected from change. A trigger refuses
UPDATE and TRUNCATE always, and DELETE except in a transaction that declared a purge
(``tianfu.audit_purge``) and only for events older than the retention floor written into the
trigger (180 days). The integrity chain (``tag``) detects what the table's owner could still do
by disabling the trigger; the portal should run as a role that owns no table.

Reversing drops the triggers and their functions.
"""

from django.db import migrations

from portal.audits import sql


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_audit_event")]

    operations = [migrations.RunSQL(sql.APPEND_ONLY, reverse_sql=sql.DROP_APPEND_ONLY)]

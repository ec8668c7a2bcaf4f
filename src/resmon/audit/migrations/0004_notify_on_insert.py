"""PostgreSQL: NOTIFY resmon_audit after every statement that adds audit rows (audit.wake)."""

from django.db import migrations

from resmon.audit import wake


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_triggers")]

    operations = [migrations.RunPython(wake.install, wake.drop, elidable=False)]

"""The table of the database caches in CACHES (the rate limits' counters, resmon.core.counters):
created here so that every `migrate` makes it; a cache of another kind needs no table."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False)]

"""Vietnamese is the product's language: every string in the code has a Vietnamese translation,
and the compiled catalogue matches the source catalogue."""

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

LOCALE = Path(__file__).resolve().parent.parent / "src" / "resmon" / "locale"


def test_vietnamese_catalogue_is_complete():
    po = polib.pofile(str(LOCALE / "vi" / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries() if e.msgid] == []


def test_compiled_catalogue_matches_source():
    po = polib.pofile(str(LOCALE / "vi" / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / "vi" / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0, "")) for e in mo if e.msgid}
    source = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0, "")) for e in po if not e.obsolete}
    assert compiled == source, "run `make messages` to recompile the catalogue"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    src = Path(__file__).resolve().parent.parent / "src"
    shutil.copytree(src, tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__", "static"))
    locale = tmp_path / "src" / "resmon" / "locale"
    cwd = os.getcwd()
    os.chdir(tmp_path / "src")
    try:
        with override_settings(LOCALE_PATHS=[locale]):
            call_command("makemessages", locale=["vi"], verbosity=0)
    finally:
        os.chdir(cwd)
    fresh = polib.pofile(str(locale / "vi" / "LC_MESSAGES" / "django.po"))
    missing = sorted(e.msgid for e in fresh.untranslated_entries() if not e.obsolete)
    assert missing == [], "new strings without a Vietnamese translation; run `make messages` and translate"

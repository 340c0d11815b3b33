"""Compile the translations to .mo with Babel, so that no GNU gettext is needed.

Each language's catalogue is `locale/<lang>/LC_MESSAGES/django.po` plus every
`locale/<lang>/LC_MESSAGES/parts/*.po` (one per part of the product, so that parts can be
translated side by side). They are merged into one `django.mo`; where two sources
translate the same message, `django.po` wins, then the parts in name order.
"""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


def sources_of(messages_dir: Path) -> list[Path]:
    main = messages_dir / "django.po"
    return ([main] if main.exists() else []) + sorted((messages_dir / "parts").glob("*.po"))


def merged_catalogue(locale: str, sources: list[Path]) -> Catalog:
    merged = Catalog(locale=locale, charset="utf-8")
    for source in sources:
        with source.open("rb") as handle:
            catalogue = read_po(handle, locale=locale)
        for message in catalogue:
            if not message.id or not message.string or message.fuzzy:
                continue
            existing = merged.get(message.id, context=message.context)
            if existing is not None and existing.string:
                continue
            merged.add(message.id, message.string, context=message.context)
    return merged


class Command(BaseCommand):
    help = "Compile locale/<lang>/LC_MESSAGES/{django.po,parts/*.po} into django.mo."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile even if up to date.")

    def handle(self, *args, force=False, **options):
        count = 0
        for base in settings.LOCALE_PATHS:
            for messages_dir in sorted(Path(base).glob("*/LC_MESSAGES")):
                sources = sources_of(messages_dir)
                if not sources:
                    continue
                mo_path = messages_dir / "django.mo"
                newest = max(source.stat().st_mtime for source in sources)
                if not force and mo_path.exists() and mo_path.stat().st_mtime >= newest:
                    continue
                locale = messages_dir.parent.name
                catalogue = merged_catalogue(locale, sources)
                with mo_path.open("wb") as handle:
                    write_mo(handle, catalogue, use_fuzzy=False)
                count += 1
                self.stdout.write(
                    f"{locale}: {len(catalogue)} messages from {len(sources)} file(s)"
                )
        self.stdout.write(f"compiled {count} catalogue(s)")

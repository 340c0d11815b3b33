"""Create a system client of the REST API and print its token, once."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from datamap.models import LegalEntity
from identity.models import ApiClient


class Command(BaseCommand):
    help = (
        "Create an API client for another system, scoped to legal entities (by slug or "
        "organisation number), and print its token. Only a hash of the token is stored: "
        "copy it now, it cannot be shown again. --rotate issues a new token for an existing client."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--entity",
            action="append",
            default=[],
            help="Legal entity slug or organisation number; repeat for several.",
        )
        parser.add_argument(
            "--rotate", action="store_true", help="New token for an existing client."
        )

    def handle(self, *args, name, entity, rotate, **options):
        if rotate:
            client = ApiClient.objects.filter(name=name).first()
            if client is None:
                raise CommandError(f"No API client named {name!r}.")
            token = client.rotate_token()
        else:
            if not entity:
                raise CommandError("Name at least one --entity.")
            entities = []
            for key in entity:
                found = LegalEntity.objects.filter(Q(slug=key) | Q(org_number=key)).first()
                if found is None:
                    raise CommandError(
                        f"No legal entity {key!r} (give a slug or an organisation number)."
                    )
                entities.append(found)
            if ApiClient.objects.filter(name=name).exists():
                raise CommandError(
                    f"An API client named {name!r} exists; use --rotate for a new token."
                )
            client, token = ApiClient.issue(name=name, legal_entities=entities)
        names = ", ".join(client.legal_entities.order_by("name").values_list("name", flat=True))
        self.stderr.write(f"API client {client.name!r} for {names}. Token (shown once):")
        self.stdout.write(token)

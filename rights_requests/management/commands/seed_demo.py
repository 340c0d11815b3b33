"""Demo data for `make run`: staff, customers, and requests in every state.

    DEBUG=true python manage.py seed_demo

Safe to run again: people are matched by username or personal number, and the request
history is created only once. Refused unless DEBUG is on, so that a production database
never receives demo people.

The customers are the fictitious people of the demo e-ID provider (identity/devprovider),
so that signing in as one of them at /identity/ shows their requests. Every request is
filed and moved through rights_requests.workflow, with receipt instants in the past, so
that deadlines, events and the dashboard's history are what real use would give. Each
step runs on the story's clock (`Command.clock`), so that every event of a request's
hash-chained trail is dated when its step happened, in the order of the chain.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from datamap import pii
from datamap.models import LegalEntity, Organisation
from identity.levels import IdentityLevel, VerificationMethod
from rights_requests import roles, workflow
from rights_requests.models import (
    Channel,
    DataSubject,
    ExtensionReason,
    Outbox,
    Outcome,
    Right,
    RightsRequest,
)

DEMO_PASSWORD = "demo-portal-2026"

# username, role, organisation slug or None (all), legal entity slug or None
STAFF = [
    ("admin", roles.ADMINISTRATOR, None, None),
    ("dpo.kalmar", roles.DPO, "kalmar-energi", None),
    ("dpo.landskrona", roles.DPO, "landskrona-energi", None),
    ("kundtjanst.kalmar", roles.CUSTOMER_SERVICE, "kalmar-energi", None),
    ("kundtjanst.elnat", roles.CUSTOMER_SERVICE, None, "kalmar-energi-elnat"),
    ("kundtjanst.landskrona", roles.CUSTOMER_SERVICE, "landskrona-energi", None),
]

# The demo e-ID provider's people (identity/devprovider/pages.py), with contact details.
CUSTOMERS = [
    {
        "personal_number": "198504122394",
        "first_name": "Alice",
        "last_name": "Andersson",
        "email": "alice.andersson@example.org",
        "phone": "070-123 45 67",
        "street_address": "Storgatan 12",
        "postal_code": "392 32",
        "city": "Kalmar",
        "preferred_language": "sv",
    },
    {
        "personal_number": "197311054584",
        "first_name": "Bertil",
        "last_name": "Berg",
        "email": "bertil.berg@example.org",
        "phone": "0418-55 12 34",
        "street_address": "Östergatan 4",
        "postal_code": "261 31",
        "city": "Landskrona",
        "preferred_language": "sv",
    },
    {
        "personal_number": "195207083840",
        "first_name": "Cecilia",
        "last_name": "Carlsson",
        "email": "cecilia.carlsson@example.org",
        "phone": "070-765 43 21",
        "street_address": "Norra Långgatan 20",
        "postal_code": "392 31",
        "city": "Kalmar",
        "preferred_language": "en",
    },
]

# Nine more customers, so that the demo customer information system holds a dozen. Any
# of them can sign in with the demo e-ID provider by typing the personal number.
MORE_CUSTOMERS = [
    ("David", "Dahlberg", "19680214", "Kalmar"),
    ("Eva", "Ek", "19900530", "Landskrona"),
    ("Fredrik", "Falk", "19771109", "Kalmar"),
    ("Greta", "Gustafsson", "19450322", "Landskrona"),
    ("Hassan", "Haddad", "19881201", "Kalmar"),
    ("Ingrid", "Isaksson", "19590717", "Landskrona"),
    ("Johan", "Jönsson", "20010405", "Kalmar"),
    ("Karin", "Karlsson", "19830926", "Landskrona"),
    ("Lars", "Lindqvist", "19700101", "Kalmar"),
]
for _index, (_first, _last, _birth, _city) in enumerate(MORE_CUSTOMERS):
    _serial = f"{_index + 40:03d}"
    CUSTOMERS.append(
        {
            "personal_number": _birth + _serial + str(pii.luhn_check_digit(_birth[2:] + _serial)),
            "first_name": _first,
            "last_name": _last,
            "email": f"{_first.lower()}.{_last.lower()}@example.org".replace("ö", "o"),
            "phone": f"070-555 {_index:02d} {_index + 10:02d}",
            "street_address": f"Demogatan {_index + 1}",
            "postal_code": "392 32" if _city == "Kalmar" else "261 31",
            "city": _city,
            "preferred_language": "sv" if _index % 3 else "en",
        }
    )

HISTORY_SIZE = 120  # closed requests over the last twelve months, for the dashboard


class StoryClock:
    """Stands in for django.utils.timezone inside rights_requests.workflow: `now()` is the
    moment of the step being seeded. The workflow dates the events it writes without being
    given a time (the start of work, an assignment, a request for identity) with
    `timezone.now()`, and so does a filing for what it does after the receipt (the receipt
    itself is dated `received_at`); a demo request received weeks ago would otherwise
    have them dated today, after the steps seeded with a past `now`."""

    def __init__(self, moment: datetime.datetime):
        self.moment = moment

    def now(self) -> datetime.datetime:
        return self.moment

    def __getattr__(self, name):
        return getattr(timezone, name)


class Command(BaseCommand):
    help = "Create demo staff, customers and requests (DEBUG only; safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history",
            type=int,
            default=HISTORY_SIZE,
            help="Closed requests to spread over the last twelve months (dashboard history).",
        )
        parser.add_argument(
            "--years",
            type=int,
            default=2,
            help="Years of hourly meter readings per metering point in the demo CIS (default 2).",
        )

    def handle(self, *args, history=HISTORY_SIZE, years=2, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo works only with DEBUG=true: it creates demo people.")
        self.now = timezone.now()
        self.entities = {entity.slug: entity for entity in LegalEntity.objects.all()}
        self.organisations = {org.slug: org for org in Organisation.objects.all()}
        staff = self.seed_staff()
        subjects = self.seed_customers()
        if RightsRequest.objects.filter(subject__in=subjects).exists():
            self.stdout.write("Demo requests exist already; left as they are.")
        else:
            with transaction.atomic():
                self.seed_requests(subjects, staff)
                self.seed_history(history, staff)
            self.stdout.write(
                f"Created {RightsRequest.objects.count()} demo requests "
                f"({history} closed ones over the last twelve months)."
            )
        self.seed_customer_systems(subjects, years)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    # --- People ------------------------------------------------------------------------

    def seed_staff(self) -> dict:
        roles.ensure_roles()
        User = get_user_model()
        users = {}
        for username, role, organisation, entity in STAFF:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.org", "first_name": username.split(".")[0]},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            roles.grant_role(
                user,
                role,
                organisations=(
                    [self.organisations[organisation]]
                    if organisation
                    else list(self.organisations.values())
                    if entity is None
                    else []
                ),
                legal_entities=[self.entities[entity]] if entity else [],
            )
            users[username] = user
        return users

    def seed_customers(self) -> list[DataSubject]:
        subjects = []
        for data in CUSTOMERS:
            data = dict(data)
            number = pii.parse_personal_number(data.pop("personal_number"))
            subject = DataSubject.objects.filter_by_personal_number(number).first()
            if subject is None:
                subject = DataSubject(**data)
                subject.set_personal_number(number)
                subject.save()
            subjects.append(subject)
        return subjects

    # --- Requests -----------------------------------------------------------------------

    def ago(self, days: int, hour: int = 10) -> datetime.datetime:
        moment = timezone.localtime(self.now) - datetime.timedelta(days=days)
        return moment.replace(hour=hour, minute=15, second=0, microsecond=0)

    @contextlib.contextmanager
    def clock(self, moment: datetime.datetime):
        """Run workflow steps as if at `moment`: their events are dated then (the events
        are written through record_event as ever, so each chain stays unbroken)."""
        with mock.patch.object(workflow, "timezone", StoryClock(moment)):
            yield

    def assign(self, request, staff_member) -> None:
        """Assign a request an hour after its receipt, as the team's first step."""
        with self.clock(request.received_at + datetime.timedelta(hours=1)):
            workflow.request_assign(request, assignee=staff_member, by=staff_member)

    def file(
        self,
        subject,
        org_slug,
        entity_slugs,
        rights,
        *,
        days_ago,
        level,
        method="",
        channel=Channel.WEB,
        by=None,
        details=None,
    ):
        items = [
            workflow.RequestItem(self.entities[slug], right, dict(details or {}))
            for slug in entity_slugs
            for right in rights
        ]
        received_at = self.ago(days_ago)
        with self.clock(received_at):
            submission = workflow.file_submission(
                subject=subject,
                organisation=self.organisations[org_slug],
                items=items,
                channel=channel,
                received_at=received_at,
                language=subject.preferred_language,
                identity_level=level,
                identity_method=method,
                registered_by=by,
            )
        return list(submission.requests.order_by("pk"))

    def seed_requests(self, subjects, staff):
        alice, bertil, cecilia = subjects[:3]
        kalmar_all = ["kalmar-energi-forsaljning", "kalmar-energi-varme", "kalmar-energi-elnat"]
        cs_kalmar, cs_landskrona = staff["kundtjanst.kalmar"], staff["kundtjanst.landskrona"]

        # Alice: access to all three Kalmar companies, signed in with e-ID 20 days ago.
        for request in self.file(
            alice,
            "kalmar-energi",
            kalmar_all,
            [Right.ACCESS],
            days_ago=20,
            level=IdentityLevel.HIGH,
            method=VerificationMethod.EID,
        ):
            self.assign(request, cs_kalmar)
        # ... and erasure of marketing data at Försäljning, where staff asked a question.
        [erasure] = self.file(
            alice,
            "kalmar-energi",
            ["kalmar-energi-forsaljning"],
            [Right.ERASURE],
            days_ago=6,
            level=IdentityLevel.HIGH,
            method=VerificationMethod.EID,
            details={"scope": "categories", "categories": ["marketing"]},
        )
        self.assign(erasure, cs_kalmar)
        with self.clock(self.ago(5)):
            workflow.request_ask_customer(
                erasure,
                question="Gäller din begäran även nyhetsbrevet från Kalmar Energi Värme?",
                by=cs_kalmar,
                now=self.ago(5),
            )

        # Bertil (Landskrona): an access request extended for its volume of data, an
        # objection to direct marketing carried out, a rectification due in a few days.
        [access] = self.file(
            bertil,
            "landskrona-energi",
            ["landskrona-energi"],
            [Right.ACCESS],
            days_ago=25,
            level=IdentityLevel.HIGH,
            method=VerificationMethod.EID,
        )
        self.assign(access, cs_landskrona)
        with self.clock(self.ago(20)):
            workflow.request_extend(
                access,
                reason_code=ExtensionReason.VOLUME_OF_DATA,
                reason="Uppgifterna finns i fyra system och omfattar tio års mätvärden.",
                by=cs_landskrona,
                now=self.ago(20),
            )
        [objection] = self.file(
            bertil,
            "landskrona-energi",
            ["landskrona-energi"],
            [Right.OBJECTION],
            days_ago=12,
            level=IdentityLevel.HIGH,
            method=VerificationMethod.EID,
            details={"direct_marketing": True},
        )
        with self.clock(self.ago(11)):
            workflow.request_complete(objection, by=cs_landskrona, now=self.ago(11))
        [rectification] = self.file(
            bertil,
            "landskrona-energi",
            ["landskrona-energi"],
            [Right.RECTIFICATION],
            days_ago=29,
            level=IdentityLevel.SUBSTANTIAL,
            method=VerificationMethod.KNOWN_EMAIL_CODE,
            details={"changes": [{"data": "Adress", "correct": "Östergatan 4, 261 31 Landskrona"}]},
        )
        self.assign(rectification, cs_landskrona)

        # Cecilia: erasure filed with a code to an address not on record (waits for
        # identity); a portability request finished last month; an access request by
        # phone left unassigned and overdue, for the dashboard's red row.
        self.file(
            cecilia,
            "kalmar-energi",
            ["kalmar-energi-varme"],
            [Right.ERASURE],
            days_ago=2,
            level=IdentityLevel.LOW,
            method=VerificationMethod.EMAIL_CODE,
            details={"scope": "everything"},
        )
        [portability] = self.file(
            cecilia,
            "kalmar-energi",
            ["kalmar-energi-elnat"],
            [Right.PORTABILITY],
            days_ago=45,
            level=IdentityLevel.HIGH,
            method=VerificationMethod.EID,
        )
        with self.clock(self.ago(30)):
            workflow.request_complete(portability, by=staff["kundtjanst.elnat"], now=self.ago(30))
        self.file(
            cecilia,
            "kalmar-energi",
            ["kalmar-energi-elnat"],
            [Right.ACCESS],
            days_ago=40,
            level=IdentityLevel.SUBSTANTIAL,
            method=VerificationMethod.IN_PERSON,
            channel=Channel.PHONE,
            by=staff["kundtjanst.elnat"],
        )

    def seed_history(self, count: int, staff):
        """Closed requests of fictitious customers over the last year, for the dashboard."""
        rng = random.Random(2026)
        history = []
        entity_slugs = list(self.entities)
        rights = [choice.value for choice in Right]
        handlers = [staff["kundtjanst.kalmar"], staff["kundtjanst.landskrona"]]
        for index in range(count):
            birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(60 * 365))
            serial = f"{rng.randrange(1000):03d}"
            digits = birth.strftime("%Y%m%d") + serial
            digits += str(pii.luhn_check_digit(digits[2:]))
            number = pii.parse_personal_number(digits)
            subject = DataSubject.objects.filter_by_personal_number(number).first()
            if subject is None:
                subject = DataSubject(first_name="Demo", last_name=f"Kund {index + 1}")
                subject.set_personal_number(number)
                subject.save()
            slug = rng.choice(entity_slugs)
            entity = self.entities[slug]
            days_ago = rng.randrange(35, 365)
            [request] = self.file(
                subject,
                entity.organisation.slug,
                [slug],
                [rng.choice(rights)],
                days_ago=days_ago,
                level=IdentityLevel.HIGH,
                method=VerificationMethod.EID,
            )
            history.append(request.pk)
            handler = next(
                (user for user in handlers if entity.pk in (roles.entity_ids(user) or {entity.pk})),
                handlers[0],
            )
            roll = rng.random()
            if roll < 0.12 and entity.max_extended_months > entity.base_months:
                extended_at = self.ago(days_ago - 5)
                with self.clock(extended_at):
                    workflow.request_extend(
                        request,
                        reason_code=ExtensionReason.SPREAD_OVER_SYSTEMS,
                        reason="Uppgifterna finns i flera system.",
                        by=handler,
                        now=extended_at,
                    )
                closed_after = rng.randrange(31, 60)
            else:
                closed_after = rng.choice([3, 7, 12, 18, 25, 29, 33])
            closed_after = min(closed_after, days_ago - 1)
            closed_at = self.ago(days_ago - closed_after)
            with self.clock(closed_at):
                if roll > 0.93:
                    workflow.request_refuse(
                        request,
                        reasons="Begäran är uppenbart ogrundad (art. 12.5).",
                        by=handler,
                        now=closed_at,
                    )
                else:
                    workflow.request_complete(
                        request,
                        outcome=Outcome.GRANTED if roll < 0.85 else Outcome.PARTIALLY_GRANTED,
                        reasons=""
                        if roll < 0.85
                        else "Bokföringsuppgifter sparas enligt bokföringslagen.",
                        by=handler,
                        now=closed_at,
                    )
        # These requests were closed long before the demo starts: their extracts and
        # exports would have expired and their connector work been done. Mark that work
        # done rather than have the worker build a hundred PDFs nobody can download.
        Outbox.objects.filter(request_id__in=history).exclude(kind=Outbox.Kind.NOTICE).update(
            status=Outbox.State.DONE, done_at=timezone.now(), last_error="demo history"
        )

    # --- The demo customer information system ------------------------------------------

    def seed_customer_systems(self, subjects, years: int):
        """The demo customers' data in the demo customer information system (datamap)."""
        from datamap import democis

        kalmar = ("kalmar-energi-forsaljning", "kalmar-energi-varme", "kalmar-energi-elnat")
        companies = {
            subject.pk: ("landskrona-energi",) if subject.city == "Landskrona" else kalmar
            for subject in subjects
        }
        companies[subjects[2].pk] = ("kalmar-energi-varme", "kalmar-energi-elnat")
        created = democis.seed_for_demo(subjects, companies=companies, years_of_readings=years)
        self.stdout.write(f"Demo customer information system: {created}")

"""The record of processing as the two seed privacy policies state it.

Loaded once by the data migration `0002_seed_from_policies`; afterwards the DPO keeps
the record in the admin. Change this file only together with a new data migration.

Sources: shared/seeds/kalmar-energi-integritetspolicy.txt and
shared/seeds/landskrona-energi-personuppgifter.txt.
"""

ORGANISATIONS = [
    {
        "slug": "kalmar-energi",
        "code": "KE",
        "name": "Kalmar Energi",
        "website": "https://www.kalmarenergi.se",
        "customer_service_email": "",
        "customer_service_phone": "",
        "dpo_email": "dataskyddsombud@kalmarenergi.se",
        "dpo_phone": "",
        "extract_email": "registerutdrag@kalmarenergi.se",
        "handling_time_sv": "inom en månad",
        "handling_time_en": "within one month",
        "is_public_body": False,
    },
    {
        "slug": "landskrona-energi",
        "code": "LE",
        "name": "Landskrona Energi",
        "website": "https://www.landskronaenergi.se",
        "customer_service_email": "kundservice@landskronaenergi.se",
        "customer_service_phone": "0418-47 36 20",
        "dpo_email": "dataskyddsombud@landskrona.se",
        "dpo_phone": "0418-47 00 00 (fråga efter dataskyddsombud)",
        "extract_email": "dataskyddsombud@landskrona.se",
        "handling_time_sv": "inom 1–2 månader beroende på mängden ärenden",
        "handling_time_en": "within 1–2 months depending on the number of requests",
        "is_public_body": True,
    },
]

KALMAR_ADDRESS = "Box 822, 391 28 Kalmar"

LEGAL_ENTITIES = [
    # Kalmar: one month, extendable to three (Art. 12(3)).
    {
        "organisation": "kalmar-energi",
        "slug": "kalmar-energi-forsaljning",
        "name": "Kalmar Energi Försäljning AB",
        "org_number": "556548-4317",
        "address": KALMAR_ADDRESS,
        "email": "registerutdrag@kalmarenergi.se",
        "dpo_email": "dataskyddsombud@kalmarenergi.se",
        "max_extended_months": 3,
    },
    {
        "organisation": "kalmar-energi",
        "slug": "kalmar-energi-varme",
        "name": "Kalmar Energi Värme AB",
        "org_number": "556636-7792",
        "address": KALMAR_ADDRESS,
        "email": "registerutdrag@kalmarenergi.se",
        "dpo_email": "dataskyddsombud@kalmarenergi.se",
        "max_extended_months": 3,
    },
    {
        "organisation": "kalmar-energi",
        "slug": "kalmar-energi-elnat",
        "name": "Kalmar Energi Elnät AB",
        "org_number": "556182-7543",
        "address": KALMAR_ADDRESS,
        "email": "registerutdrag@kalmarenergi.se",
        "dpo_email": "dataskyddsombud@kalmarenergi.se",
        "max_extended_months": 3,
    },
    # Landskrona promises "1–2 months": one month, extendable to two (DESIGN.md §1).
    # The policy gives no org number; the DPO fills it in the admin.
    {
        "organisation": "landskrona-energi",
        "slug": "landskrona-energi",
        "name": "Landskrona Energi AB",
        "org_number": "",
        "address": "Landskrona",
        "email": "kundservice@landskronaenergi.se",
        "phone": "0418-47 36 20",
        "dpo_email": "dataskyddsombud@landskrona.se",
        "max_extended_months": 2,
    },
]

LEGAL_BASES = [
    ("consent", "Art. 6.1 a", "Samtycke", "Consent", True),
    ("contract", "Art. 6.1 b", "Avtal", "Contract", True),
    ("legal-obligation", "Art. 6.1 c", "Rättslig förpliktelse", "Legal obligation", False),
    (
        "vital-interests",
        "Art. 6.1 d",
        "Intressen av grundläggande betydelse",
        "Vital interests",
        False,
    ),
    ("public-interest", "Art. 6.1 e", "Allmänt intresse", "Task in the public interest", False),
    ("legitimate-interests", "Art. 6.1 f", "Intresseavvägning", "Legitimate interests", False),
]

DATA_CATEGORIES = [
    # code, sv, en, provided or observed
    ("identity", "Namn och personnummer", "Name and personal identity number", True),
    ("contact", "Adress, telefonnummer och e-postadress", "Address, phone number and e-mail", True),
    ("addresses", "Faktureringsadress och fastighetsadress", "Billing and property address", True),
    ("contracts", "Avtal och tjänster", "Contracts and services", True),
    ("metering-points", "Anläggningar och mätpunkter", "Installations and metering points", True),
    ("meter-readings", "Mätvärden (timvärden)", "Meter readings (hourly values)", True),
    ("invoices", "Fakturor och betalningar", "Invoices and payments", False),
    ("customer-cases", "Kundcenterärenden", "Customer service cases", True),
    (
        "subscriptions",
        "Prenumerationer på nyhetsbrev och driftinformation",
        "Newsletter and outage-information subscriptions",
        True,
    ),
    ("marketing", "Erbjudanden och marknadsföring", "Offers and marketing", False),
    ("competitions", "Tävlingar och event", "Competitions and events", True),
    ("camera-footage", "Material från kameraövervakning", "Camera surveillance footage", False),
]

PURPOSES = [
    (
        "contract",
        "Fullgöra avtal och leverera beställda tjänster",
        "Performing the contract and delivering the services ordered",
    ),
    (
        "legal-obligations",
        "Fullgöra rättsliga förpliktelser enligt lag, domslut eller myndighetsbeslut",
        "Complying with legal obligations under law, judgments or decisions of authorities",
    ),
    (
        "customer-service",
        "Hantera kundcenterärenden via telefon och digitala kanaler",
        "Handling customer service matters by phone and digital channels",
    ),
    (
        "competitions-events",
        "Genomföra och hantera deltagande i tävlingar och event",
        "Running competitions and events and handling participation",
    ),
    (
        "service-development",
        "Utvärdera, utveckla och förbättra tjänster, produkter och system",
        "Evaluating, developing and improving services, products and systems",
    ),
    (
        "customer-information",
        "Informera om prisuppdateringar, avbrott och nyheter som berör dig som kund",
        "Informing customers of price updates, outages and news that concern them",
    ),
    (
        "newsletters",
        "Nyhetsbrev och driftinformation som du har anmält dig till",
        "Newsletters and outage information you signed up for",
    ),
    (
        "marketing",
        "Marknadsföring av våra tjänster och erbjudanden",
        "Marketing of our services and offers",
    ),
    (
        "camera-surveillance",
        "Kameraövervakning av anläggningar för fysisk säkerhet",
        "Camera surveillance of facilities for physical security",
    ),
    (
        "metering",
        "Mätning och avräkning av din förbrukning",
        "Metering and settlement of your consumption",
    ),
    (
        "public-records",
        "Offentlighetsprincipen och arkivering av allmänna handlingar",
        "Public access to official documents and archiving",
    ),
    (
        "statistics-quality",
        "Utvärdering, kvalitetssäkring inklusive systemtester och statistik",
        "Evaluation, quality assurance including system tests, and statistics",
    ),
]

RECIPIENTS = [
    # name, kind, sv, en
    (
        "Systemleverantörer",
        "processor",
        "Leverantörer av kund- och faktureringssystem",
        "Suppliers of customer and billing systems",
    ),
    (
        "Utskriftsbolag",
        "processor",
        "Tryckeri som skriver ut och skickar fakturor och brev",
        "Printing company that prints and posts invoices and letters",
    ),
    ("Inkassobolag", "processor", "Inkasso av förfallna fordringar", "Collection of overdue debts"),
    (
        "Kreditinstitut",
        "processor",
        "Kreditupplysning och betalningsförmedling",
        "Credit checks and payment services",
    ),
    (
        "Andra elhandelsbolag",
        "processor",
        "Vid byte av elhandlare",
        "When changing electricity supplier",
    ),
    (
        "Elnätsföretag",
        "processor",
        "Nätägare för din anläggning",
        "Grid operator of your installation",
    ),
    (
        "Statliga myndigheter",
        "authority",
        "När vi är skyldiga enligt lag eller vid misstanke om brott",
        "Where the law requires it or a crime is suspected",
    ),
    (
        "Allmänheten (allmänna handlingar)",
        "controller",
        "Utlämnande av allmän handling enligt offentlighetsprincipen",
        "Disclosure of official documents under the principle of public access",
    ),
]

# English names of the recipients and systems above, for customers who read English
# (filled in by migration 0007; RECIPIENTS keeps its shape for migration 0002).
RECIPIENT_NAMES_EN = {
    "Systemleverantörer": "System suppliers",
    "Utskriftsbolag": "Printing companies",
    "Inkassobolag": "Debt collection agencies",
    "Kreditinstitut": "Credit institutions",
    "Andra elhandelsbolag": "Other electricity suppliers",
    "Elnätsföretag": "Grid companies",
    "Statliga myndigheter": "Government authorities",
    "Allmänheten (allmänna handlingar)": "The public (official documents)",
}
SYSTEM_NAMES_EN = {
    "cis": "Customer information system (CIS)",
    "camera-index": "Camera surveillance (index)",
    "marketing-tool": "Newsletter mailing tool",
    "portal": "The rights portal",
    "consent-ledger": "The consent register (the portal)",
}

SYSTEMS = [
    {
        "code": "cis",
        "name": "Kundinformationssystem (CIS)",
        "connector": "sql",
        "description": "Kunder, avtal, mätpunkter, mätvärden, fakturor, ärenden och prenumerationer.",
        "entities": "all",
    },
    {
        "code": "camera-index",
        "name": "Kameraövervakning (index)",
        "connector": "sql",
        "description": "Index över inspelningar; materialet sparas 21 dagar.",
        "entities": ["kalmar-energi-varme", "kalmar-energi-elnat"],
    },
    {
        "code": "marketing-tool",
        "name": "Utskickssystem för nyhetsbrev",
        "connector": "manual",
        "description": "Externt utskicksverktyg utan API; hanteras med checklista.",
        "entities": "all",
    },
    {
        "code": "portal",
        "name": "Rättighetsportalen",
        "connector": "builtin",
        "description": "Portalens egna ärenden, meddelanden och samtycken.",
        "entities": "all",
    },
]

_CONTRACT_RETENTION = (
    "Under avtalstiden och till dess att parternas mellanhavanden är slutreglerade.",
    "For the term of the contract and until all accounts between the parties are settled.",
)
_BFL_RETENTION = (
    "Räkenskapsinformation sparas till och med 31 december det sjunde året efter utgången av "
    "det kalenderår då räkenskapsåret avslutades (bokföringslagen 7 kap. 2 §).",
    "Accounting records are kept until 31 December of the seventh year after the end of the "
    "calendar year in which the financial year ended (Swedish Bookkeeping Act, ch. 7 § 2).",
)
_CASE_RETENTION = (
    "Tills ärendet är besvarat och avslutat.",
    "Until the matter has been answered and closed.",
)
_CONSENT_RETENTION = (
    "Tills du återkallar ditt samtycke eller avslutar prenumerationen.",
    "Until you withdraw your consent or end the subscription.",
)
_METERING_RETENTION = (
    "Mätvärden och faktureringsunderlag sparas så länge lagen kräver; de kan inte begränsas "
    "eller raderas dessförinnan. Som räkenskapsinformation till och med det sjunde året "
    "efter räkenskapsårets utgång (bokföringslagen 7 kap. 2 §).",
    "Meter readings and invoicing data are kept as long as the law requires and cannot be "
    "restricted or erased before then; as accounting records until the seventh year after "
    "the financial year (Swedish Bookkeeping Act, ch. 7 § 2).",
)
_CAMERA_RETENTION = ("Inspelat material sparas i 21 dagar.", "Recordings are kept for 21 days.")
_ARCHIVE_RETENTION = (
    "Allmänna handlingar bevaras och gallras enligt arkivlagen (1990:782) och bolagets "
    "gallringsbeslut; därefter raderas eller anonymiseras uppgifterna.",
    "Official documents are kept and disposed of under the Archives Act (1990:782) and the "
    "company's disposal decisions; then the data are erased or anonymised.",
)
_FROM_YOU = (
    "Du själv, när du tecknar avtal eller kontaktar oss.",
    "You, when you sign a contract or contact us.",
)
_METERED = ("Mätutrustning vid din anläggning.", "The metering equipment at your installation.")
_SPAR = (
    "Du själv, samt uppdateringar från SPAR (statens personadressregister).",
    "You, and updates from SPAR (the Swedish state personal address register).",
)
_CAMERA_SOURCE = ("Kameror vid våra anläggningar.", "Cameras at our facilities.")
_COMMON = ["Systemleverantörer", "Utskriftsbolag"]
_BILLING = _COMMON + ["Inkassobolag", "Kreditinstitut"]

# (entity slugs, purpose, basis, categories, recipients, retention, source)
_KALMAR = ["kalmar-energi-forsaljning", "kalmar-energi-varme", "kalmar-energi-elnat"]
ACTIVITIES = [
    (
        _KALMAR,
        "contract",
        "contract",
        ["identity", "contact", "addresses", "contracts", "metering-points"],
        _BILLING + ["Andra elhandelsbolag", "Elnätsföretag"],
        _CONTRACT_RETENTION,
        _FROM_YOU,
    ),
    # Metering by the grid company is a legal duty (ellagen 1997:857); district heating
    # meters under the contract (legal-rules.md R32 [DECIDE]).
    (
        ["kalmar-energi-elnat"],
        "metering",
        "legal-obligation",
        ["meter-readings"],
        _COMMON + ["Andra elhandelsbolag"],
        _METERING_RETENTION,
        _METERED,
    ),
    (
        ["kalmar-energi-varme"],
        "metering",
        "contract",
        ["meter-readings"],
        _COMMON,
        _METERING_RETENTION,
        _METERED,
    ),
    (
        _KALMAR,
        "legal-obligations",
        "legal-obligation",
        ["invoices"],
        _BILLING + ["Statliga myndigheter"],
        _BFL_RETENTION,
        _FROM_YOU,
    ),
    (
        _KALMAR,
        "customer-service",
        "legitimate-interests",
        ["customer-cases"],
        _COMMON,
        _CASE_RETENTION,
        _FROM_YOU,
    ),
    (
        _KALMAR,
        "customer-information",
        "legitimate-interests",
        ["contact"],
        _COMMON,
        _CONTRACT_RETENTION,
        _FROM_YOU,
    ),
    (_KALMAR, "newsletters", "consent", ["subscriptions"], _COMMON, _CONSENT_RETENTION, _FROM_YOU),
    (
        ["kalmar-energi-forsaljning"],
        "competitions-events",
        "legitimate-interests",
        ["competitions"],
        _COMMON,
        _CASE_RETENTION,
        _FROM_YOU,
    ),
    (
        ["kalmar-energi-forsaljning"],
        "marketing",
        "legitimate-interests",
        ["marketing"],
        _COMMON,
        _CONTRACT_RETENTION,
        _FROM_YOU,
    ),
    (
        _KALMAR,
        "service-development",
        "legitimate-interests",
        ["contracts"],
        _COMMON,
        _CONTRACT_RETENTION,
        _FROM_YOU,
    ),
    (
        ["kalmar-energi-varme", "kalmar-energi-elnat"],
        "camera-surveillance",
        "legitimate-interests",
        ["camera-footage"],
        [],
        _CAMERA_RETENTION,
        _CAMERA_SOURCE,
    ),
    (
        ["landskrona-energi"],
        "contract",
        "contract",
        ["identity", "contact", "addresses", "contracts", "metering-points"],
        _BILLING,
        _CONTRACT_RETENTION,
        _SPAR,
    ),
    (
        ["landskrona-energi"],
        "metering",
        "legal-obligation",
        ["meter-readings"],
        _COMMON,
        _METERING_RETENTION,
        _METERED,
    ),
    (
        ["landskrona-energi"],
        "legal-obligations",
        "legal-obligation",
        ["invoices"],
        _BILLING + ["Statliga myndigheter"],
        _BFL_RETENTION,
        _FROM_YOU,
    ),
    (
        ["landskrona-energi"],
        "public-records",
        "legal-obligation",
        ["identity", "contracts", "invoices", "customer-cases"],
        ["Allmänheten (allmänna handlingar)"],
        _ARCHIVE_RETENTION,
        _SPAR,
    ),
    (
        ["landskrona-energi"],
        "customer-service",
        "legitimate-interests",
        ["customer-cases"],
        _COMMON,
        _CASE_RETENTION,
        _FROM_YOU,
    ),
    (
        ["landskrona-energi"],
        "marketing",
        "legitimate-interests",
        ["marketing"],
        _COMMON,
        _CONTRACT_RETENTION,
        _FROM_YOU,
    ),
    (
        ["landskrona-energi"],
        "statistics-quality",
        "legitimate-interests",
        ["contracts"],
        _COMMON,
        _CONTRACT_RETENTION,
        _FROM_YOU,
    ),
    (
        ["landskrona-energi"],
        "newsletters",
        "consent",
        ["subscriptions"],
        _COMMON,
        _CONSENT_RETENTION,
        _FROM_YOU,
    ),
]

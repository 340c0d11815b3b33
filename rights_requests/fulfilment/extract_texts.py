"""The fixed texts of the register extract and the data export, in English msgids.

Swedish translations are in locale/sv/LC_MESSAGES/parts/extract.po. The texts are kept
here rather than in the templates so that one test can check that each has a Swedish
translation.

Art. 15(1)(e)-(h) and 15(2) GDPR; the IMY contact (legal-rules.md R12, R38).
"""

from django.utils.translation import gettext_lazy as _

IMY = {
    "name": "Integritetsskyddsmyndigheten (IMY)",
    "address": "Box 8114, 104 20 Stockholm",
    "email": "imy@imy.se",
    "web": "www.imy.se",
}

LABELS = {
    "title": _("Register extract"),
    "title_letter": _("Register extract (letter)"),
    "reference": _("Reference"),
    "date": _("Date"),
    "controller": _("Controller"),
    "org_number": _("Organisation number"),
    "dpo": _("Data protection officer"),
    "contents": _("Contents"),
    "your_data": _("Your personal data"),
    "purposes": _("Purposes and legal basis"),
    "recipients": _("Recipients"),
    "retention": _("Storage period"),
    "kept_until": _("Kept until"),
    "source": _("Source"),
    "automated": _("Automated decision-making"),
    "system": _("System"),
    "summary_per_month": _("Summary per month"),
    "month": _("Month"),
    "year": _("Year"),
    "values": _("Number of values"),
    "total": _("Total"),
    "first": _("From"),
    "last": _("To"),
    "rights": _("Your rights"),
    "complaint": _("Complaints to the supervisory authority"),
    "sources_heading": _("Where the data come from"),
    "automated_heading": _("Automated decision-making, including profiling"),
    "transfers": _("Transfers to third countries"),
    "legend": _("Legend"),
    "field": _("Field"),
    "code": _("Code"),
    "explanation": _("Explanation"),
    "attachments": _("Attachments"),
    "no_data_in": _("Categories where we found no data about you"),
    "pending": _("Gathered by hand: these data are sent to you separately."),
    "page": _("Page"),
    "of": _("of"),
    "category": _("Category"),
    "safeguards": _("Safeguards"),
    "none": _("None"),
    "gathered_by_hand": _("gathered by hand"),
    "fields_heading": _("Fields in the tables and attachments"),
}

COVER = {
    "greeting": _("Dear %(name)s,"),
    "intro": _(
        "Here is the register extract you asked for under Article 15 of the General Data "
        "Protection Regulation (GDPR). It shows the personal data about you that %(company)s "
        "processes, why we process them, who receives them, how long we keep them and where "
        "they come from, and it tells you about your rights."
    ),
    "attachments": _(
        "All the data are also attached to this PDF file as CSV and JSON files (open the "
        "attachments panel of your PDF reader). Long series, such as hourly meter readings, "
        "are summarised per month in the pages and given in full in the attachments."
    ),
    "post": _(
        "Long series, such as hourly meter readings, are summarised per month in this letter. "
        "If you want them in full, sign in to our portal with e-identification and download the "
        "extract, or contact us and we will send them to you."
    ),
    "questions": _(
        "If you have questions about the extract, contact our data protection officer: %(dpo)s."
    ),
    "regards": _("Kind regards,"),
    "no_data": _("We have searched our systems and found no personal data about you."),
}

# Art. 15(1)(e): the rights to rectification, erasure, restriction and objection; with
# Art. 21(2)-(3) (direct marketing, absolute), Art. 20 and Art. 7(3) (legal-rules.md R38).
RIGHTS = [
    (
        _("Rectification (Article 16)"),
        _(
            "You have the right to have inaccurate personal data about you corrected and "
            "incomplete data completed."
        ),
    ),
    (
        _("Erasure (Article 17)"),
        _(
            "You have the right to have your personal data erased, for example when they are "
            "no longer needed for the purposes for which they were collected or when you "
            "withdraw your consent. Data that the law requires us to keep, such as accounting "
            "records, are kept until the end of that period."
        ),
    ),
    (
        _("Restriction of processing (Article 18)"),
        _(
            "You have the right to ask us to restrict processing, for example while we check "
            "whether data you contest are accurate. Restricted data are only stored, and we "
            "tell you before a restriction is lifted."
        ),
    ),
    (
        _("Objection (Article 21)"),
        _(
            "You have the right to object, on grounds relating to your particular situation, to "
            "processing based on a balancing of interests or on a task in the public interest. "
            "We must then stop unless we demonstrate compelling legitimate grounds that override "
            "your interests, or need the data for legal claims."
        ),
    ),
    (
        _("Objection to direct marketing (Article 21(2) and (3))"),
        _(
            "You may at any time object to the processing of your data for direct marketing, "
            "including profiling related to it. We then stop that processing at once, without "
            "any balancing."
        ),
    ),
    (
        _("Data portability (Article 20)"),
        _(
            "Where processing is based on your consent or on a contract, you have the right to "
            "receive the data you have provided, including observed data such as meter "
            "readings, in a structured, machine-readable format, and to have them transmitted "
            "to another controller."
        ),
    ),
    (
        _("Withdrawing consent (Article 7(3))"),
        _(
            "Where processing is based on your consent, you may withdraw it at any time. This "
            "does not affect processing that took place before you withdrew it."
        ),
    ),
]

RIGHTS_HOW = _(
    "To use these rights, file a request in our portal (%(portal)s) or write to our data "
    "protection officer (%(dpo)s)."
)

# Art. 15(1)(f), Art. 77 and 79.
COMPLAINT = _(
    "If you think that we process your personal data in breach of the GDPR, you have the "
    "right to lodge a complaint with the supervisory authority, the Swedish Authority for "
    "Privacy Protection (Integritetsskyddsmyndigheten, IMY) (Article 77). You may also take "
    "the matter to court (Article 79)."
)

# Art. 15(1)(g) and (h).
SOURCES_INTRO = _(
    "For each category above we state where the data come from. Data that you did not give "
    "us yourself come from the sources named there."
)
AUTOMATED_INTRO = _(
    "For each category above we state whether decisions are made about you by automated "
    "means only, including profiling, and if so the logic involved and its consequences."
)

# Art. 15(2) with Art. 46.
NO_TRANSFERS = _(
    "We do not transfer your personal data to countries outside the EU/EEA or to "
    "international organisations."
)
TRANSFERS_INTRO = _(
    "The following recipients are outside the EU/EEA. The transfer is protected by the "
    "safeguards named (Article 46)."
)

LEGEND_GENERAL = [
    (_("YYYY-MM-DD"), _("Dates are written year-month-day; times are Swedish time.")),
    ("kWh", _("Kilowatt hour, the unit of energy in meter readings.")),
    ("CSV", _("Comma-separated values: a table that opens in a spreadsheet program.")),
    ("JSON", _("A structured text format that other programs can read.")),
]
LEGEND_BASES = _("Legal bases: the points of Article 6(1) GDPR on which the processing rests.")
ATTACHMENTS_INTRO = _("The complete data, one file per system and category, and all of it as JSON:")

# The data export (Art. 20).
EXPORT_README = _(
    "Your data from %(company)s, exported under Article 20 GDPR (data portability) on "
    "%(date)s, reference %(reference)s. It holds the data you have provided and observed data "
    "such as meter readings, processed under a contract or your consent. Each category is "
    "given as CSV and as JSON; fields.json and this file describe every field."
)

# Codes that appear in the data (legal-rules.md R13: raw codes need a legend).
CODES = {
    "electricity_supply": _("Electricity supply contract (elhandel)."),
    "grid": _("Grid connection: the electricity network to your installation (elnät)."),
    "district_heating": _("District heating (fjärrvärme)."),
    "newsletter": _("Newsletter by e-mail."),
    "outage_info": _("Outage information by text message."),
    "phone": _("By telephone."),
    "email": _("By e-mail."),
    "web": _("Through the web portal."),
    "GSRN": _(
        "Metering points are numbered with 18-digit GSRN identifiers (Global Service Relation Number)."
    ),
}

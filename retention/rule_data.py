"""Retention rules as the two policies and legal-rules.md give them.

Loaded once by the data migration `0002_seed_rules` for every (legal entity, data
category) pair in the record of processing; afterwards the DPO edits the rules in the
admin. Change this file only together with a new data migration.

* Accounting records (invoices; meter readings as the basis of invoicing): to 31
  December of the seventh year after the end of the calendar year in which the
  financial year ended, Bokföringslagen (1999:1078) 7 kap. 2 § (legal-rules.md R28);
  GDPR Art. 17(3)(b). Landskrona's policy: "mätvärden och faktureringsunderlag [kan
  inte] begränsas eller raderas med hänvisning till laglig grund".
* Camera footage: 21 days from recording (Kalmar Energi's policy).
* Contract, contact and installation data: until the contract has ended and the
  parties' accounts are settled (Kalmar Energi's policy), then erased; GDPR Art. 5(1)(e).
* Landskrona Energi's official documents (allmänna handlingar: identity, contracts,
  invoices, customer cases): kept and disposed of only under the archive rules,
  arkivlagen (1990:782) and OSL (2009:400) 2 kap. 3 §; GDPR Art. 17(3)(b) and (d)
  (legal-rules.md R29, [DECIDE] on the company's status).
"""

BFL = "Bokföringslagen (1999:1078) 7 kap. 2 §; GDPR art. 17.3 b"
ARCHIVE = "Arkivlagen (1990:782); offentlighets- och sekretesslagen (2009:400) 2 kap. 3 §; GDPR art. 17.3 b och d"
SETTLED = "Bolagets integritetspolicy: när avtalet har upphört och mellanhavandena är slutreglerade; GDPR art. 5.1 e"
CLOSED = "Bolagets integritetspolicy: när frågan har besvarats; GDPR art. 5.1 e"
CONSENT = "GDPR art. 7.3 och 17.1 b: samtycket återkallat eller prenumerationen avslutad"
CAMERA = "Kalmar Energis integritetspolicy: lagring i 21 dagar; GDPR art. 5.1 e"

# category code -> (years, months, days, runs_from, legal reference, action, note)
DEFAULT = {
    "identity": (0, 0, 0, "contract_end_settled", SETTLED, "erase", ""),
    "contact": (0, 0, 0, "contract_end_settled", SETTLED, "erase", ""),
    "addresses": (0, 0, 0, "contract_end_settled", SETTLED, "erase", ""),
    "contracts": (0, 0, 0, "contract_end_settled", SETTLED, "erase", ""),
    "metering-points": (0, 0, 0, "contract_end_settled", SETTLED, "erase", ""),
    "meter-readings": (
        7,
        0,
        0,
        "financial_year_end",
        BFL,
        "erase",
        "Mätvärden som faktureringsunderlag (räkenskapsinformation). Ellagen (1997:857) och "
        "mätföreskrifterna är inte utredda och kan kräva annat (legal-rules.md H.8) [DECIDE].",
    ),
    "invoices": (7, 0, 0, "financial_year_end", BFL, "erase", ""),
    "customer-cases": (
        0,
        0,
        0,
        "matter_closed",
        CLOSED,
        "erase",
        "En eventuell frist efter avslut är ett beslut för dataskyddsombudet [DECIDE].",
    ),
    "subscriptions": (0, 0, 0, "consent_withdrawn", CONSENT, "erase", ""),
    "marketing": (0, 0, 0, "contract_end_settled", SETTLED, "erase", ""),
    "competitions": (0, 0, 0, "matter_closed", CLOSED, "erase", ""),
    "camera-footage": (0, 0, 21, "recording", CAMERA, "erase", ""),
}

# Landskrona Energi: a municipal company under the archives act; its official documents
# are archived, not erased (legal-rules.md R29).
ARCHIVED = {
    "landskrona-energi": {
        category: (
            0,
            0,
            0,
            "collection",
            ARCHIVE,
            "archive",
            "Allmänna handlingar gallras endast enligt gallringsbeslut. Bolagets status enligt "
            "OSL 2 kap. 3 § ska bekräftas (legal-rules.md R29) [DECIDE].",
        )
        for category in ("identity", "contracts", "invoices", "customer-cases")
    },
}


def rule_for(entity_slug: str, category: str):
    return ARCHIVED.get(entity_slug, {}).get(category) or DEFAULT.get(category)

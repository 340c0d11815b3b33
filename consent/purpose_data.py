"""The consents the two organisations ask for, as their privacy policies describe them.

Loaded once by the data migration `0002_seed_purposes`; afterwards staff keep purposes
and texts in the admin (a changed text is a new version, never an edit: Art. 7(1)).

Sources: Kalmar Energi's policy names newsletters, information on outages
("avbrottsinformation"), offers, and competitions and events; Landskrona Energi's policy
names consent for newsletters. Landskrona markets under legitimate interest, which is
objected to (Art. 21(2)), not consented to.
"""

VALID_FROM = "2026-01-01T00:00:00+01:00"

_WITHDRAW_SV = (
    "Du kan när som helst återkalla samtycket här i portalen eller genom att kontakta "
    "kundservice. Återkallelsen gäller från den stunden och påverkar inte det som redan har skett."
)
_WITHDRAW_EN = (
    "You can withdraw your consent at any time here in the portal or by contacting customer "
    "service. The withdrawal applies from then on and does not affect what has already been done."
)

# code, organisation slug, datamap purpose code, name sv, name en, direct marketing, text sv, text en
PURPOSES = [
    (
        "ke-newsletter",
        "kalmar-energi",
        "newsletters",
        "Nyhetsbrev från Kalmar Energi",
        "Kalmar Energi newsletter",
        True,
        "Jag vill få Kalmar Energis nyhetsbrev med nyheter, tips och prisinformation via e-post. "
        "Kalmar Energi använder då mitt namn och min e-postadress för utskicket tills jag "
        "återkallar samtycket. " + _WITHDRAW_SV,
        "I want to receive Kalmar Energi's newsletter with news, tips and price information by "
        "e-mail. Kalmar Energi then uses my name and e-mail address for it until I withdraw my "
        "consent. " + _WITHDRAW_EN,
    ),
    (
        "ke-outage-sms",
        "kalmar-energi",
        "newsletters",
        "Driftinformation via sms",
        "Outage information by text message",
        False,
        "Jag vill få information om planerade och oplanerade avbrott som berör min anläggning "
        "via sms. Kalmar Energi använder då mitt mobilnummer och min anläggningsadress för "
        "utskicket tills jag återkallar samtycket. " + _WITHDRAW_SV,
        "I want to receive information about planned and unplanned outages that affect my "
        "installation by text message. Kalmar Energi then uses my mobile number and the "
        "address of my installation for it until I withdraw my consent. " + _WITHDRAW_EN,
    ),
    (
        "ke-outage-email",
        "kalmar-energi",
        "newsletters",
        "Driftinformation via e-post",
        "Outage information by e-mail",
        False,
        "Jag vill få information om planerade och oplanerade avbrott som berör min anläggning "
        "via e-post. Kalmar Energi använder då min e-postadress och min anläggningsadress för "
        "utskicket tills jag återkallar samtycket. " + _WITHDRAW_SV,
        "I want to receive information about planned and unplanned outages that affect my "
        "installation by e-mail. Kalmar Energi then uses my e-mail address and the address of "
        "my installation for it until I withdraw my consent. " + _WITHDRAW_EN,
    ),
    (
        "ke-marketing-offers",
        "kalmar-energi",
        "marketing",
        "Erbjudanden från Kalmar Energi",
        "Offers from Kalmar Energi",
        True,
        "Jag vill få erbjudanden om Kalmar Energis tjänster och produkter via e-post och sms. "
        "Kalmar Energi använder då mina kontaktuppgifter och uppgifter om mina avtal för att "
        "välja erbjudanden som passar mig tills jag återkallar samtycket. " + _WITHDRAW_SV,
        "I want to receive offers of Kalmar Energi's services and products by e-mail and text "
        "message. Kalmar Energi then uses my contact details and details of my contracts to "
        "choose offers that suit me until I withdraw my consent. " + _WITHDRAW_EN,
    ),
    (
        "ke-competitions-events",
        "kalmar-energi",
        "competitions-events",
        "Inbjudningar till tävlingar och event",
        "Invitations to competitions and events",
        True,
        "Jag vill få inbjudningar till Kalmar Energis tävlingar och event via e-post. Kalmar "
        "Energi använder då mitt namn och min e-postadress för inbjudningarna tills jag "
        "återkallar samtycket. " + _WITHDRAW_SV,
        "I want to receive invitations to Kalmar Energi's competitions and events by e-mail. "
        "Kalmar Energi then uses my name and e-mail address for the invitations until I "
        "withdraw my consent. " + _WITHDRAW_EN,
    ),
    (
        "le-newsletter",
        "landskrona-energi",
        "newsletters",
        "Nyhetsbrev från Landskrona Energi",
        "Landskrona Energi newsletter",
        True,
        "Jag vill få Landskrona Energis nyhetsbrev via e-post. Landskrona Energi använder då "
        "mitt namn och min e-postadress för utskicket tills jag återkallar samtycket. "
        + _WITHDRAW_SV,
        "I want to receive Landskrona Energi's newsletter by e-mail. Landskrona Energi then "
        "uses my name and e-mail address for it until I withdraw my consent. " + _WITHDRAW_EN,
    ),
]

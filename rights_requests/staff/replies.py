"""Reply templates in Swedish and English: a fixed, reviewed set (not editable in the admin).

Placeholders: {reference}, {company}, {deadline}. Staff may edit the text before sending.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ReplyTemplate:
    code: str
    title: str
    sv: str
    en: str

    def render(self, language: str, *, reference: str, company: str, deadline: str) -> str:
        text = self.en if language == "en" else self.sv
        return text.format(reference=reference, company=company, deadline=deadline)


TEMPLATES = [
    ReplyTemplate(
        "received",
        _("Acknowledgement"),
        "Hej! Vi har tagit emot din begäran {reference} till {company} och besvarar den senast "
        "{deadline}. Vänliga hälsningar, kundtjänst",
        "Hello, we have received your request {reference} to {company} and will answer it by "
        "{deadline} at the latest. Kind regards, customer service",
    ),
    ReplyTemplate(
        "in_progress",
        _("Work in progress"),
        "Hej! Vi arbetar med din begäran {reference}. Du får svar senast {deadline}. "
        "Vänliga hälsningar, kundtjänst",
        "Hello, we are working on your request {reference}. You will have our answer by "
        "{deadline} at the latest. Kind regards, customer service",
    ),
    ReplyTemplate(
        "identity_options",
        _("Ways to prove identity"),
        "Hej! För att skydda dina uppgifter behöver vi veta att det är du. Logga in i portalen "
        "med BankID eller Freja eID+, besök oss med giltig legitimation, eller be oss skicka "
        "ett brev till din folkbokföringsadress. Ärende {reference}.",
        "Hello, to protect your data we need to know it is you. Sign in to the portal with "
        "BankID or Freja eID+, visit us with a valid ID, or ask us to send a letter to your "
        "registered address. Request {reference}.",
    ),
    ReplyTemplate(
        "result_ready",
        _("Result ready"),
        "Hej! Svaret på din begäran {reference} finns nu att hämta i portalen. "
        "Vänliga hälsningar, kundtjänst",
        "Hello, the answer to your request {reference} is now ready in the portal. "
        "Kind regards, customer service",
    ),
]
BY_CODE = {template.code: template for template in TEMPLATES}

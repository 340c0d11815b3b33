"""The work-queue changelist: queue filter, scoped filters, the deadline column, bulk assign."""

import datetime

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import roles, workflow
from ..models import OPEN_STATUSES
from . import selectors
from .forms import AssignForm


class QueueFilter(admin.SimpleListFilter):
    """The work queues. Without a choice: every open request, nearest deadline first."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(key, label) for key, label in selectors.QUEUES.items() if key != "open"]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Open (all)"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() is None and "status__exact" in request.GET:
            return queryset  # an explicit status filter replaces the default "open"
        return selectors.queue(queryset, self.value() or "open", user=request.user)


class OrganisationFilter(admin.SimpleListFilter):
    title = _("organisation")
    parameter_name = "organisation"

    def lookups(self, request, model_admin):
        return [
            (str(o.pk), o.name) for o in roles.visible_organisations(request.user).order_by("name")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(legal_entity__organisation_id=self.value())
        return queryset


class CompanyFilter(admin.SimpleListFilter):
    title = _("company")
    parameter_name = "company"

    def lookups(self, request, model_admin):
        return [(str(e.pk), e.name) for e in roles.visible_entities(request.user).order_by("name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(legal_entity_id=self.value())
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        ids = (
            selectors.requests_for(request.user)
            .filter(assignee__isnull=False)
            .values("assignee_id")
        )
        users = get_user_model().objects.filter(pk__in=ids).order_by("username")
        return [("none", _("nobody"))] + [
            (str(u.pk), u.get_full_name() or u.username) for u in users
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        if self.value():
            return queryset.filter(assignee_id=self.value())
        return queryset


def deadline_badge(obj, today: datetime.date) -> str:
    """The deadline with the days left, classed by urgency for the admin stylesheet."""
    if obj.status not in OPEN_STATUSES:
        return format_html('<span class="dl dl-closed">{}</span>', obj.deadline_on.isoformat())
    days = (obj.deadline_on - today).days
    if obj.paused_since is not None and obj.pause_counts:
        css, text = "dl-paused", _("clock paused")
    elif days < 0:
        css, text = (
            "dl-overdue",
            ngettext("%(n)d day overdue", "%(n)d days overdue", -days) % {"n": -days},
        )
    elif days <= 3:
        css, text = "dl-critical", ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
    elif days <= 7:
        css, text = "dl-soon", ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
    else:
        css, text = "dl-ok", ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}
    return format_html('<span class="dl {}">{} · {}</span>', css, obj.deadline_on.isoformat(), text)


# --- Bulk actions -------------------------------------------------------------------------------


def _assign_all(model_admin, request, queryset, assignee):
    done, refused = 0, []
    for obj in queryset.filter(status__in=OPEN_STATUSES):
        try:
            workflow.request_assign(obj, assignee=assignee, by=request.user)
            done += 1
        except workflow.TransitionNotAllowed as error:
            refused.append(str(error))
    skipped = queryset.exclude(status__in=OPEN_STATUSES).count()
    model_admin.message_user(
        request,
        ngettext("%(n)d request assigned.", "%(n)d requests assigned.", done) % {"n": done},
        messages.SUCCESS,
    )
    if skipped or refused:
        model_admin.message_user(
            request,
            _("%(n)d closed request(s) left as they were.") % {"n": skipped + len(refused)},
            messages.WARNING,
        )


@admin.action(description=_("Assign to me"), permissions=["change"])
def assign_to_me(model_admin, request, queryset):
    _assign_all(model_admin, request, queryset, request.user)


@admin.action(description=_("Unassign"), permissions=["change"])
def unassign(model_admin, request, queryset):
    _assign_all(model_admin, request, queryset, None)


@admin.action(description=_("Assign to someone…"), permissions=["change"])
def assign_to_someone(model_admin, request, queryset):
    """Ask whom to assign to (an intermediate page), then assign each chosen request."""
    if "apply" in request.POST:
        form = AssignForm(request.POST, user=request.user)
        if form.is_valid():
            assignee = form.cleaned_data["assignee"]
            if assignee is not None and not _works_for_all(assignee, queryset):
                model_admin.message_user(
                    request,
                    _("%(user)s does not work for every company of the chosen requests.")
                    % {"user": assignee.get_username()},
                    messages.ERROR,
                )
                return None
            _assign_all(model_admin, request, queryset, assignee)
            return None
    else:
        form = AssignForm(user=request.user)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Assign requests"),
        "form": form,
        "queryset": queryset.select_related("legal_entity"),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "staff/assign_bulk.html", context)


def _works_for_all(user, queryset) -> bool:
    ids = roles.entity_ids(user)
    if ids is None:
        return True
    return not queryset.exclude(legal_entity_id__in=sorted(ids)).exists()

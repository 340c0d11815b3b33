"""Who may call what: systems reach only their companies, customers only themselves."""

from rest_framework.permissions import BasePermission

from .authentication import CustomerPrincipal, SystemPrincipal


class IsSystem(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, SystemPrincipal)


class IsCustomer(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.user, CustomerPrincipal)

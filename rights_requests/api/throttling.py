"""Rate limits per system, per customer and per address (rates in REST_FRAMEWORK settings)."""

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from .authentication import CustomerPrincipal, SystemPrincipal


class SystemRateThrottle(SimpleRateThrottle):
    scope = "system"

    def get_cache_key(self, request, view):
        if not isinstance(request.user, SystemPrincipal):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.client.pk}


class CustomerRateThrottle(SimpleRateThrottle):
    scope = "customer"

    def get_cache_key(self, request, view):
        if not isinstance(request.user, CustomerPrincipal):
            return None
        ident = request.user.identity.personal_number_hash
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(AnonRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if getattr(request.user, "is_authenticated", False):
            return None
        return super().get_cache_key(request, view)


class ConsentLookupThrottle(SystemRateThrottle):
    """Consent look-ups take a personal number: a separate, lower budget against trawling."""

    scope = "consent_lookup"

"""Settings of the filing and end-to-end benchmarks: the production settings, plus a bare view.

Everything else comes from portal.settings and the environment that bench/_common.py
sets (DEBUG off, explicit keys, PostgreSQL, Redis), exactly as in production.
"""

from portal.settings import *  # noqa: F403

# The portal's addresses plus /bench/bare/, the floor the filing is compared with.
ROOT_URLCONF = "bench.urls_bench"

# The load generator is one client address (127.0.0.1) acting for hundreds of customers,
# so the per-address filing limit (30 an hour) is raised here; the per-person limits stay
# as in production (each simulated customer files fewer than 10), and every limit is
# still counted in the database on every filing, as in production.
PORTAL_FILING_RATE_LIMITS = {"ip": [(10_000_000, 3600), (10_000_000, 86400)]}

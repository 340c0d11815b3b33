"""The demonstration OpenID Connect provider (tests and `make run` only; never production)."""

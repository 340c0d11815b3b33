"""The SQL connector: a system's database reached with configured queries and statements.

Configuration (System.connector_config), per system:

    {
      "database": "cis",                 # a Django alias, or
      "url": "postgres://...",           # a connection URL (registered as an alias)
      "categories": {
        "<DataCategory code>": {
          "key": "customer_no",          # the key column of the rows read
          "keys": "SELECT key[, extra columns] ... WHERE company = :company
                   AND lookup_hash = :lookup_hash",  # the subject's rows, for the audit
          "read": "SELECT key, field, ... ORDER BY ...",     # streamed by export()
          "fields": [["name", "description", "str|int|date|datetime|bool|decimal2|decimal3"]],
          "rectify": {"<field>": "UPDATE ... SET field = :value WHERE ..."},
          "erase": "DELETE ...",  "anonymise": "UPDATE ...",   # statement or list
          "restrict": "UPDATE ...", "lift": "UPDATE ...",
          "expire": {"select": "SELECT key ... WHERE <event> < :cutoff",
                     "erase": "... WHERE key = :key", "anonymise": "..."},
          "fact": "SELECT COUNT(*), <event date or NULL while pending> ..."  # retention
        }
      }
    }

Named parameters: :company (the legal entity's slug), :lookup_hash (the subject's
keyed hash, pii.lookup_hash), :value, :cutoff (ISO date), :key. A subject-level write
first reads the affected keys and then runs the statement in the same transaction, so
the report lists every row it touched.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

import dj_database_url
from django.db import connections, transaction
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext

from .base import Connector, ConnectorError, ConnectorResult

_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")
FETCH_SIZE = 2000


def to_pyformat(sql: str) -> tuple[str, list[str]]:
    """Turn :name parameters into %(name)s (both backends take pyformat through Django)."""
    names: list[str] = []

    def replace(match: re.Match) -> str:
        names.append(match.group(1))
        return f"%({match.group(1)})s"

    return _PARAM.sub(replace, sql.replace("%", "%%")), names


def coerce(value, kind: str):
    """Give a column value the same Python type on SQLite and PostgreSQL."""
    if value is None:
        return None
    if kind == "date":
        if isinstance(value, datetime.datetime):
            return value.date()
        return value if isinstance(value, datetime.date) else parse_date(str(value)[:10])
    if kind == "datetime":
        if isinstance(value, datetime.datetime):
            moment = value
        else:
            moment = parse_datetime(str(value).replace(" ", "T"))
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.astimezone(datetime.UTC) if moment else None
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind.startswith("decimal"):
        places = int(kind[7:] or 2)
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    return str(value) if not isinstance(value, str) else value


def alias_for(system) -> str:
    """Return the Django database alias of a system's database, registering a URL."""
    config = system.connector_config or {}
    if config.get("database"):
        return config["database"]
    if not config.get("url"):
        raise ConnectorError(f"system {system.code} has neither a database alias nor a URL")
    alias = f"connector_{system.code}"
    if alias not in connections.settings:
        parsed = dj_database_url.parse(config["url"])
        filled = connections.configure_settings(
            {"default": connections.settings["default"], alias: parsed}
        )
        connections.settings[alias] = filled[alias]
    return alias


class SqlConnector(Connector):
    kind = "sql"

    def __init__(self, system, legal_entity, *, request=None):
        super().__init__(system, legal_entity, request=request)
        self.config = system.connector_config or {}
        self.alias = alias_for(system)

    # --- Configuration -----------------------------------------------------------------

    def categories(self) -> list[str]:
        return list((self.config.get("categories") or {}).keys())

    def spec(self, category: str) -> dict:
        self._check_category(category)
        return self.config["categories"][category]

    def fields(self, category: str) -> list[tuple[str, str]]:
        return [
            (name, gettext(description)) for name, description, *_t in self.spec(category)["fields"]
        ]

    def _types(self, category: str) -> dict[str, str]:
        return {
            name: (rest[0] if rest else "str") for name, _d, *rest in self.spec(category)["fields"]
        }

    def _params(self, subject=None, **extra) -> dict:
        params = {"company": self.legal_entity.slug, **extra}
        if subject is not None:
            params["lookup_hash"] = subject.personal_number_hash
        return params

    # --- Running SQL -------------------------------------------------------------------

    @property
    def connection(self):
        return connections[self.alias]

    def _execute(self, cursor, sql: str, params: dict) -> None:
        query, names = to_pyformat(sql)
        missing = [n for n in names if n not in params]
        if missing:
            raise ConnectorError(f"{self.code}: no value for parameter(s) {missing}")
        cursor.execute(query, {n: params[n] for n in names})

    def _keys(self, cursor, sql: str, params: dict) -> list[tuple[str, str]]:
        """Run a keys query; return (key, detail) per row, detail from any extra columns."""
        self._execute(cursor, sql, params)
        columns = [c[0] for c in cursor.description]
        result = []
        for row in cursor.fetchall():
            detail = ", ".join(
                f"{name}={_plain(value)}" for name, value in zip(columns[1:], row[1:], strict=True)
            )
            result.append((str(row[0]), detail))
        return result

    def _statements(self, value) -> list[str]:
        if not value:
            return []
        return [value] if isinstance(value, str) else list(value)

    def _write(
        self,
        subject,
        category: str,
        statement_key: str,
        action: str,
        *,
        params: dict | None = None,
        detail: str = "",
    ) -> ConnectorResult:
        """Read the subject's keys of the category, then run the statement(s), in one transaction."""
        spec = self.spec(category)
        statements = self._statements(spec.get(statement_key))
        if not statements:
            raise ConnectorError(
                f"{self.code}/{category}: no {statement_key!r} statement configured"
            )
        params = {**self._params(subject), **(params or {})}
        with transaction.atomic(using=self.alias), self.connection.cursor() as cursor:
            keys = self._keys(cursor, spec["keys"], params)
            if keys:
                for sql in statements:
                    self._execute(cursor, sql, params)
        return ConnectorResult(
            [self.row(category, action, key, detail or extra) for key, extra in keys]
        )

    # --- The contract ------------------------------------------------------------------

    def find(self, subject) -> ConnectorResult:
        result = ConnectorResult()
        params = self._params(subject)
        with self.connection.cursor() as cursor:
            for category in self.categories():
                for key, detail in self._keys(cursor, self.spec(category)["keys"], params):
                    result.actions.append(self.row(category, "found", key, detail))
        return result

    def export(self, subject, category: str) -> Iterator[dict]:
        """Stream rows with a server-side cursor on PostgreSQL, fetchmany everywhere."""
        spec = self.spec(category)
        types = self._types(category)
        query, names = to_pyformat(spec["read"])
        params = self._params(subject)
        # No transaction: on PostgreSQL in autocommit the named cursor is WITH HOLD, and on
        # SQLite a transaction would hold the write lock for as long as the reader runs.
        cursor = self.connection.chunked_cursor()
        try:
            cursor.execute(query, {n: params[n] for n in names})
            columns = [c[0] for c in cursor.description]
            kinds = [types.get(c, "str") for c in columns]
            while rows := cursor.fetchmany(FETCH_SIZE):
                for row in rows:
                    yield {
                        column: coerce(value, kind)
                        for column, value, kind in zip(columns, row, kinds, strict=True)
                    }
        finally:
            cursor.close()

    def rectify(self, subject, category: str, changes: dict[str, str]) -> ConnectorResult:
        statements = self.spec(category).get("rectify") or {}
        unknown = sorted(set(changes) - set(statements))
        if unknown:
            raise ConnectorError(f"{self.code}/{category}: cannot rectify {unknown}")
        result = ConnectorResult()
        with transaction.atomic(using=self.alias):
            for name, value in changes.items():
                result.extend(self._write_one(subject, category, statements[name], value, name))
        return result

    def _write_one(self, subject, category, sql, value, name) -> ConnectorResult:
        spec = self.spec(category)
        params = self._params(subject, value=value)
        with self.connection.cursor() as cursor:
            keys = self._keys(cursor, spec["keys"], params)
            if keys:
                self._execute(cursor, sql, params)
        # The field name only: the new value is personal data and stays out of the trail.
        return ConnectorResult([self.row(category, "rectified", key, name) for key, _d in keys])

    def erase(self, subject, category: str, *, mode: str = "erase") -> ConnectorResult:
        self._check_mode(mode)
        spec = self.spec(category)
        if mode == "anonymise" and spec.get("anonymise"):
            return self._write(subject, category, "anonymise", "anonymised")
        return self._write(subject, category, "erase", "erased")

    def restrict(self, subject, category: str) -> ConnectorResult:
        return self._write(subject, category, "restrict", "restricted")

    def lift(self, subject, category: str) -> ConnectorResult:
        return self._write(subject, category, "lift", "lifted")

    def retention_facts(self, subject) -> dict[str, datetime.date | None]:
        """Per category, the date its retention period runs from (retention.assessment).

        None: the event has not happened yet (a contract still runs). Categories where
        the subject has no rows, or without a "fact" query, are left out.
        """
        facts: dict[str, datetime.date | None] = {}
        params = self._params(subject)
        with self.connection.cursor() as cursor:
            for category in self.categories():
                sql = self.spec(category).get("fact")
                if not sql:
                    continue
                self._execute(cursor, sql, params)
                count, event = cursor.fetchone()
                if count:
                    facts[category] = coerce(event, "date")
        return facts

    def expire(
        self,
        category: str,
        cutoff: datetime.date,
        *,
        mode: str,
        exclude_keys: Iterable[str] = (),
        dry_run: bool,
    ) -> ConnectorResult:
        """Erase or anonymise every row whose retention event lies before `cutoff`.

        Rows in `exclude_keys` (legal holds, open requests) are reported as kept. With
        dry_run nothing changes and the report says what would be done.
        """
        self._check_mode(mode)
        spec = self.spec(category).get("expire") or {}
        if not spec.get("select"):
            raise ConnectorError(f"{self.code}/{category}: no retention query configured")
        statement = spec.get(mode) or spec.get("erase")
        action = "anonymised" if mode == "anonymise" and spec.get("anonymise") else "erased"
        excluded = {str(k) for k in exclude_keys}
        params = self._params(cutoff=cutoff.isoformat())
        result = ConnectorResult()
        with transaction.atomic(using=self.alias), self.connection.cursor() as cursor:
            keys = self._keys(cursor, spec["select"], params)
            todo = []
            for key, detail in keys:
                if key in excluded:
                    result.actions.append(self.row(category, "kept", key, "excluded"))
                    continue
                todo.append(key)
                result.actions.append(
                    self.row(
                        category,
                        action,
                        key,
                        ("dry run" + (f"; {detail}" if detail else "")) if dry_run else detail,
                    )
                )
            if todo and not dry_run:
                query, names = to_pyformat(statement)
                cursor.executemany(
                    query, [{n: {**params, "key": key}[n] for n in names} for key in todo]
                )
        return result


def _plain(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)

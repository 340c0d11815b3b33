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
          "fact": "SELECT COUNT(*), <event date or NULL while pending> ...",  # retention
          "review": ["notes"]            # staff's free text, read before release (15(4))
        }
      }
    }

A read query selects the subject's own rows only: a metering point that passes from one
tenant to the next has its readings bounded by the subject's contract period (Art. 15(4)).

Named parameters: :company (the legal entity's slug), :lookup_hash (the subject's
keyed hash, pii.lookup_hash), :value, :cutoff (ISO date), :key. A subject-level write
first reads the affected keys and then runs the statement in the same transaction, so
the report lists every row it touched.

Fast path on PostgreSQL (the data export, rights_requests.fulfilment.portability):
`copy_plan`, `copy_csv` and `copy_json` have COPY write a category's rows as CSV and as
one JSON object per line, with every value printed as export() + the export's writers
print it; a column type without an exact SQL form leaves the category to export().
`snapshot`/`joined_snapshot` give several COPYs, on one or two connections, one view.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime
import io
import itertools
import json
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
COPY_CHUNK = 1 << 16  # bytes handed on at a time by copy_csv / copy_json
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")


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


def converter(kind: str):
    """Return a function doing what `coerce(value, kind)` does, quicker for the usual types.

    export() calls it once per value, so the common cases (text as text, a Decimal or an
    ISO time string from the database) take a short way; anything else goes to coerce().
    """
    if kind == "str":
        return lambda value: value if value is None or type(value) is str else str(value)
    if kind == "datetime":
        utc = datetime.UTC

        def to_datetime(value):
            if type(value) is str:
                try:
                    moment = datetime.datetime.fromisoformat(value)
                except ValueError:
                    return coerce(value, kind)
                if moment.tzinfo is None:
                    return moment.replace(tzinfo=utc)
                return moment if moment.tzinfo is utc else moment.astimezone(utc)
            if type(value) is datetime.datetime and value.tzinfo is not None:
                return value if value.tzinfo is utc else value.astimezone(utc)
            return coerce(value, kind)

        return to_datetime
    if kind.startswith("decimal"):
        exponent = Decimal(1).scaleb(-int(kind[7:] or 2))

        def to_decimal(value):
            if type(value) is Decimal:
                return value.quantize(exponent)  # Decimal(str(d)) is d
            if type(value) is float or type(value) is int:
                return Decimal(str(value)).quantize(exponent)
            return coerce(value, kind)

        return to_decimal
    return lambda value: coerce(value, kind)


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

    def review_fields(self, category: str) -> list[str]:
        """The category's `"review"` list: fields of staff's free text (Art. 15(4))."""
        names = list(self.spec(category).get("review") or [])
        known = {name for name, *_rest in self.spec(category)["fields"]}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConnectorError(f"{self.code}/{category}: review names unknown fields {unknown}")
        return names

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

    def find(self, subject, categories: Iterable[str] | None = None) -> ConnectorResult:
        """Report the subject's rows as `found`: of every category, or of `categories` only.

        One keys query per category asked about (the retention sweep asks only about the
        categories it expires).
        """
        result = ConnectorResult()
        params = self._params(subject)
        with self.connection.cursor() as cursor:
            for category in self.categories() if categories is None else categories:
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
        if self.connection.vendor == "postgresql":
            _fast_time_loader(cursor.cursor)
        try:
            cursor.execute(query, {n: params[n] for n in names})
            columns = [c[0] for c in cursor.description]
            convert = [converter(types.get(c, "str")) for c in columns]
            while rows := cursor.fetchmany(FETCH_SIZE):
                for row in rows:
                    yield dict(
                        zip(columns, [f(v) for f, v in zip(convert, row, strict=True)], strict=True)
                    )
        finally:
            cursor.close()

    # --- Fast path on PostgreSQL: COPY ----------------------------------------------------

    def can_copy(self) -> bool:
        """True when copy_csv/copy_json can be offered (the system's database is PostgreSQL)."""
        return self.connection.vendor == "postgresql"

    @contextlib.contextmanager
    def snapshot(self, *, shared: bool = False):
        """One consistent view for several COPYs (REPEATABLE READ), read-only.

        With `shared`, yields the snapshot's id (pg_export_snapshot) for another thread's
        `joined_snapshot`; otherwise, and inside a caller's transaction (whose view is
        used as it is), yields None.
        """
        if self.connection.in_atomic_block or not self.can_copy():
            # (On SQLite a transaction would take the write lock: IMMEDIATE, settings.py.)
            yield None
            return
        with transaction.atomic(using=self.alias), self.connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot_id = None
            if shared:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot_id = cursor.fetchone()[0]
            yield snapshot_id

    @contextlib.contextmanager
    def joined_snapshot(self, snapshot_id: str):
        """In another thread: a transaction that sees exactly the snapshot `snapshot_id`.

        The thread's own connection to the system's database is closed afterwards.
        """
        if not _SNAPSHOT_ID.fullmatch(snapshot_id):
            raise ConnectorError(f"{self.code}: not a snapshot id: {snapshot_id!r}")
        try:
            with transaction.atomic(using=self.alias), self.connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot_id}'")
                yield
        finally:
            self.connection.close()

    def copy_plan(self, subject, category: str) -> CopyPlan | None:
        """Plan the COPYs of a category, or None when a column's type has no exact SQL form.

        The values must read exactly as export() gives them after
        `rights_requests.fulfilment.extract.jsonable` (ISO dates, UTC times with +00:00,
        decimals with the configured places as text, integers and booleans as such), so
        every (configured kind, PostgreSQL type) pair used has its expression below; any
        other pair leaves the category to the Python path.
        """
        if not self.can_copy():
            return None
        spec = self.spec(category)
        types = self._types(category)
        query, names = to_pyformat(spec["read"])
        params = self._params(subject)
        params = {n: params[n] for n in names}
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({query}) AS _r LIMIT 0", params)
            described = [
                (c.name, c.type_code, getattr(c, "scale", None)) for c in cursor.description
            ]
        columns = {name: (oid, scale) for name, oid, scale in described}
        configured = [name for name, _d, *_t in spec["fields"]]
        extra = [name for name, _o, _s in described if name not in configured]
        csv_exprs, json_exprs, derive = [], [], []
        for name in configured + extra:
            if name not in columns:
                csv_exprs.append("NULL")
                json_exprs.append(None)
                derive.append(None)
                continue
            forms = _copy_forms(_quote_ident(name), types.get(name, "str"), *columns[name])
            if forms is None:
                return None
            csv_exprs.append(forms[0])
            json_exprs.append(forms[1])
            derive.append(forms[2])
        source = f"FROM ({query}) AS _r"
        csv_sql = "SELECT " + ", ".join(csv_exprs or ["NULL"]) + f" {source}"
        pieces = []
        for index, (name, expr) in enumerate(zip(configured + extra, json_exprs, strict=True)):
            key = ("," if index else "") + json.dumps(name, ensure_ascii=False) + ":"
            pieces.append(_sql_text(key))
            pieces.append(f"coalesce({expr}, 'null')" if expr else "'null'")
        json_sql = "SELECT '{' || " + " || ".join([*pieces, "'}'"]) + f" {source}"
        return CopyPlan(
            header=configured + extra,
            empty_header=configured,
            csv_sql=f"{_ISO_DATES} COPY ({csv_sql}) TO STDOUT (FORMAT csv)",
            # One JSON object per line: FORMAT csv with quote and delimiter characters that
            # JSON never holds unescaped, so the bytes arrive exactly as the server built them.
            json_sql=f"{_ISO_DATES} COPY ({json_sql}) TO STDOUT (FORMAT csv, QUOTE e'\\x01', "
            "DELIMITER e'\\x02')",
            params=params,
            derive=tuple(derive) if derive and None not in derive else None,
        )

    def _copy(self, sql: str, params: dict) -> Iterator[bytes]:
        """Stream a COPY TO STDOUT in chunks of about COPY_CHUNK bytes.

        The rows are taken from libpq directly (psycopg.pq), not through psycopg's Copy
        object, whose Python-level wait per row cost as much as the server's work for
        hourly readings; the parameters are bound client-side, as psycopg binds them
        for COPY anyway.
        """
        import psycopg

        if not params:
            sql = sql.replace("%%", "%")
        with self.connection.cursor() as cursor:
            conn = cursor.cursor.connection  # the psycopg connection under Django's
            query = psycopg.ClientCursor(conn).mogrify(sql, params or None)
            yield from _copy_out(conn.pgconn, query.encode(conn.info.encoding))

    def copy_csv(
        self, subject, category: str, *, plan: CopyPlan | None = None, data=None
    ) -> Iterator[bytes]:
        """The category's rows as UTF-8 CSV with a header, built by PostgreSQL's COPY.

        Parsed with `csv.reader`, the same rows as export() written by the Python path.
        Lines end in LF. Raises ConnectorError when there is no plan (see copy_plan).
        `data`, if given, is fed every chunk of rows (not the header): copy_csv_json.
        """
        plan = plan or self.copy_plan(subject, category)
        if plan is None:
            raise ConnectorError(f"{self.code}/{category}: no COPY for these column types")
        header = False
        for chunk in self._copy(plan.csv_sql, plan.params):
            if not header:
                yield _csv_line(plan.header)
                header = True
            if data is not None:
                data.feed(chunk)
            yield chunk
        if not header:
            yield _csv_line(plan.empty_header)

    def copy_json(self, subject, category: str, *, plan: CopyPlan | None = None) -> Iterator[bytes]:
        """The category's rows as JSON objects, one per line (UTF-8), built by PostgreSQL."""
        plan = plan or self.copy_plan(subject, category)
        if plan is None:
            raise ConnectorError(f"{self.code}/{category}: no COPY for these column types")
        yield from self._copy(plan.json_sql, plan.params)

    def copy_csv_json(
        self, subject, category: str, json_out, *, plan: CopyPlan | None = None
    ) -> Iterator[bytes]:
        """copy_csv's chunks; once they are all read, copy_json's lines are in `json_out`.

        Where the plan allows (`CopyPlan.derive`), the JSON is made here from the CSV's
        bytes (_JsonFromCsv), so PostgreSQL formats each value once, in one COPY, instead
        of twice: for meter readings the JSON's COPY cost more server time than the CSV's.
        Should the CSV quote a field (a text with a comma, a quote, a line break or an
        empty text), the JSON is read with copy_json after all, on the same connection
        (in the export's snapshot, the same rows).
        """
        plan = plan or self.copy_plan(subject, category)
        if plan is None:
            raise ConnectorError(f"{self.code}/{category}: no COPY for these column types")
        derived = _JsonFromCsv(plan, json_out) if plan.derive is not None else None
        yield from self.copy_csv(subject, category, plan=plan, data=derived)
        if derived is None or not derived.finish():
            json_out.seek(0)
            json_out.truncate()
            for chunk in self.copy_json(subject, category, plan=plan):
                json_out.write(chunk)

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


def _copy_out(pgconn, query: bytes) -> Iterator[bytes]:
    """Run `query` (a COPY ... TO STDOUT) on a libpq connection; yield its data in chunks.

    Waits for the socket with poll() (the GIL is released while waiting). Leaves the
    connection idle also when the consumer stops early: the rest is read and dropped.
    """
    import select

    from psycopg import errors, pq

    poll = select.poll()
    poll.register(pgconn.socket, select.POLLIN)

    def wait():
        poll.poll()
        pgconn.consume_input()

    def results() -> list:
        found = []
        while True:
            while pgconn.is_busy():
                wait()
            result = pgconn.get_result()
            if result is None:
                return found
            found.append(result)
            if result.status == pq.ExecStatus.COPY_OUT:
                return found

    def check(result) -> None:
        if result.status not in (pq.ExecStatus.COPY_OUT, pq.ExecStatus.COMMAND_OK):
            raise errors.error_from_result(result, encoding=pgconn._encoding)

    pgconn.send_query(query)
    while pgconn.flush():  # only a non-blocking connection returns before all is sent
        writable = select.poll()
        writable.register(pgconn.socket, select.POLLOUT)
        writable.poll()
    started = results()
    for result in started:
        check(result)
    if not started or started[-1].status != pq.ExecStatus.COPY_OUT:
        raise ConnectorError("COPY TO STDOUT did not start")
    finished = False
    try:
        buffer = bytearray()
        while True:
            nbytes, data = pgconn.get_copy_data(1)
            if nbytes > 0:
                buffer += data
                if len(buffer) >= COPY_CHUNK:
                    yield bytes(buffer)
                    buffer.clear()
            elif nbytes == 0:
                wait()
            else:
                break
        finished = True
        if buffer:
            yield bytes(buffer)
    finally:
        if not finished:  # the consumer stopped: read the rest, so the connection is idle
            while (nbytes := pgconn.get_copy_data(1)[0]) != -1:
                if nbytes == 0:
                    wait()
        for result in results():
            check(result)


# What JSON must escape in a string, but the line feed (which ends a CSV row).
_TO_ESCAPE = re.compile(rb"[\x00-\x09\x0b-\x1f\\]")


class _JsonFromCsv:
    """copy_json's lines (one JSON object per row), made from copy_csv's data bytes.

    Exact where the CSV quotes nothing, as COPY writes it: a field is then the column's
    text as is (a text with a comma, quote or line break, and an empty text, `""`, are
    quoted), and an empty field is NULL. Each column's JSON is that text as a string or
    as is (CopyPlan.derive; `_copy_forms` makes the JSON text of every such column from
    the same SQL text as its CSV). A chunk of whole rows without NULLs and without
    characters that JSON escapes is joined in C: each field between the fixed bytes
    before it; other chunks go row by row. A quote character anywhere stops the
    derivation: `finish()` then returns False and the caller reads copy_json.
    """

    def __init__(self, plan: CopyPlan, out) -> None:
        self.out = out
        self.width = len(plan.header)
        self.strings = [kind == "string" for kind in plan.derive]
        keys = [json.dumps(name, ensure_ascii=False).encode() + b":" for name in plan.header]
        quote = [b'"' if string else b"" for string in self.strings]
        # Row by row each value brings its own quotes (or is null).
        self.row_parts = [b"{" + keys[0]] + [b"," + key for key in keys[1:]]
        # Joined: field j follows seps[j]; a row's end rides on the next row's first.
        self.end = quote[-1] + b"}\n"
        self.seps = [self.end + b"{" + keys[0] + quote[0]] + [
            quote[j - 1] + b"," + keys[j] + quote[j] for j in range(1, self.width)
        ]
        self.rest = b""
        self.ok = True

    def feed(self, chunk: bytes) -> None:
        if not self.ok:
            return
        data = self.rest + chunk
        cut = data.rfind(b"\n") + 1
        body, self.rest = data[:cut], data[cut:]
        if not body:
            return
        if b'"' in body:  # a quoted field: commas and line breaks no longer split fields
            self.ok = False
            return
        fields = body[:-1].replace(b"\n", b",").split(b",")
        if (
            len(fields) == self.width * body.count(b"\n")
            and b"" not in fields
            and not _TO_ESCAPE.search(body)
        ):
            joined = b"".join(
                itertools.chain.from_iterable(zip(itertools.cycle(self.seps), fields))
            )
            self.out.write(memoryview(joined)[len(self.end) :])
            self.out.write(self.end)
        else:
            self._by_row(body)

    def _by_row(self, body: bytes) -> None:
        for line in body[:-1].split(b"\n"):
            values = line.split(b",")
            if len(values) != self.width:
                self.ok = False
                return
            parts = []
            for part, value, string in zip(self.row_parts, values, self.strings, strict=True):
                parts.append(part)
                if not value:
                    parts.append(b"null")
                elif string:
                    parts.append(json.dumps(value.decode(), ensure_ascii=False).encode())
                else:
                    parts.append(value)
            parts.append(b"}\n")
            self.out.write(b"".join(parts))

    def finish(self) -> bool:
        """True when every row was derived (COPY ends each row with a line feed)."""
        if self.rest:
            self.feed(b"\n")
        return self.ok and not self.rest


def _fast_time_loader(cursor) -> None:
    """Read timestamptz with psycopg's own loader (C) on this cursor instead of Django's.

    Django registers a Python subclass that only sets the connection's zone, which psycopg
    cannot swap for its C loader: a fifth of the extract's row reading for hourly series.
    psycopg's loader gives the same instant in the session's time zone (UTC under Django),
    and `converter("datetime")` puts it in UTC as before.
    """
    from psycopg.types.datetime import TimestamptzLoader

    cursor.adapters.register_loader("timestamptz", TimestamptzLoader)


@dataclasses.dataclass(frozen=True)
class CopyPlan:
    """The COPY statements of one category (SqlConnector.copy_plan)."""

    header: list[str]  # configured fields, then any further columns of the read query
    empty_header: list[str]  # without rows the Python path knows only the configured fields
    csv_sql: str
    json_sql: str
    params: dict
    # Per column, how its JSON value follows from its CSV field ("string" or "raw"); None
    # when some column's does not (a boolean, a configured field the query lacks).
    derive: tuple[str, ...] | None = None


# Prefixed to each COPY (one simple-protocol query): the timestamps' text output in ISO
# form, whatever the database's DateStyle, for the COPY's own transaction (the snapshot's;
# inside a caller's transaction, until that ends: ISO is also what psycopg reads).
_ISO_DATES = "SET LOCAL DateStyle TO 'ISO';"

# PostgreSQL type OIDs (pg_type) the fast path knows.
_TEXT = {25, 1043}  # text, varchar
_INT = {20, 21, 23}  # int8, int2, int4
_BOOL, _NUMERIC, _DATE, _TIMESTAMP, _TIMESTAMPTZ = 16, 1700, 1082, 1114, 1184


def _copy_forms(
    col: str, kind: str, oid: int, scale: int | None
) -> tuple[str, str, str | None] | None:
    """(CSV expression, JSON expression, JSON from CSV) of a column, as the Python path writes it.

    The JSON expression gives JSON text or NULL (the caller writes null). The third says
    how the JSON value follows from the CSV field (_JsonFromCsv): "string" (the field's
    text as a JSON string), "raw" (the field as is) or None (it does not: booleans).
    """
    if kind == "str" and oid in _TEXT:
        return col, f"to_json({col})::text", "string"
    if oid in _INT and kind in ("str", "int"):
        text = f"{col}::text"
        if kind == "int":
            return text, text, "raw"
        return text, _json_string(text), "string"
    if oid == _BOOL and kind in ("bool", "str"):
        # coerce(): bool(value); CSV writes Python's True/False, JSON true/false.
        text = f"CASE WHEN {col} THEN 'True' WHEN NOT {col} THEN 'False' END"
        if kind == "str":
            return text, _json_string(text), "string"
        return text, f"CASE WHEN {col} THEN 'true' WHEN NOT {col} THEN 'false' END", None
    if oid == _DATE and kind in ("date", "str"):
        text = f"{col}::text"  # YYYY-MM-DD in DateStyle ISO (_ISO_DATES)
        return text, _json_string(text), "string"
    if oid in (_TIMESTAMP, _TIMESTAMPTZ) and kind == "datetime":
        # datetime.isoformat() in UTC: microseconds only when there are any. A whole second
        # (every meter reading) is the timestamp's own text output, which DateStyle ISO
        # (_ISO_DATES) makes "YYYY-MM-DD HH:MM:SS", with its space replaced: 30 ms less
        # server time per 175 000 rows and column than to_char. (Years outside 1-9999,
        # which print otherwise, fail the Python path too: datetime cannot hold them.)
        utc = f"({col} AT TIME ZONE 'UTC')" if oid == _TIMESTAMPTZ else col
        text = (
            f"CASE WHEN date_trunc('second', {col}) = {col} "
            f"THEN replace({utc}::text, ' ', 'T') || '+00:00' "
            f"""ELSE to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') END"""
        )
        return text, _json_string(text), "string"
    if oid == _NUMERIC and kind.startswith("decimal"):
        places = int(kind[7:] or 2)
        # Decimal.quantize rounds half to even, round() half away from zero: only a column
        # with no more places than configured is exact. str(Decimal) is plain up to 6 places.
        if scale is None or scale < 0 or scale > places or places > 6:
            return None
        text = f"{col}::text" if scale == places else f"round({col}, {places})::text"
        return text, _json_string(text), "string"
    return None


def _json_string(text_expr: str) -> str:
    """A JSON string of an SQL text that needs no escaping (digits, dashes, colons, letters)."""
    return f"""('"' || {text_expr} || '"')"""


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(text: str) -> str:
    """An SQL string literal, with % doubled for the pyformat parameters."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _csv_line(names: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(names)
    return out.getvalue().encode()


def _plain(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)

"""A small WIQL evaluator: enough of the flat query language for the simulator's WIQL endpoint.

Supports ``SELECT ... FROM WorkItems [WHERE ...] [ORDER BY ...]`` with AND / OR / NOT,
parentheses, ``= <> < > <= >=``, ``IN (...)``, ``UNDER``, ``CONTAINS`` and the ``@project`` /
``@today`` macros. Field names may be reference names or display names. Anything else is a
400 error, as the real service answers a query it cannot parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

Getter = Callable[[str], Any]
Predicate = Callable[[Getter], bool]

DISPLAY_NAMES = {
    "id": "System.Id",
    "state": "System.State",
    "work item type": "System.WorkItemType",
    "area path": "System.AreaPath",
    "iteration path": "System.IterationPath",
    "team project": "System.TeamProject",
    "tags": "System.Tags",
    "title": "System.Title",
    "changed date": "System.ChangedDate",
    "created date": "System.CreatedDate",
}
DATE_FIELDS = {"System.ChangedDate", "System.CreatedDate"}
_TOKEN = re.compile(
    r"\s*(?:(?P<field>\[[^\]]+\])|(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)"
    r"|(?P<macro>@\w+)|(?P<op><>|<=|>=|=|<|>|\(|\)|,|\+|-)|(?P<word>[A-Za-z]+))",
)


class WiqlError(ValueError):
    """The query cannot be parsed or names something the simulator does not know."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise WiqlError(
                f"TF51006: The query statement is not valid near '{text[pos : pos + 20]}'"
            )
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str, project: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.project = project

    def peek(self, offset: int = 0) -> tuple[str, str]:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else ("end", "")

    def word(self, *words: str) -> bool:
        kind, val = self.peek()
        if kind == "word" and val.upper() in words:
            self.i += 1
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.word(*words):
            raise WiqlError(f"TF51006: expected {' or '.join(words)} near '{self.peek()[1]}'")

    def take(self, kind: str) -> str:
        k, val = self.peek()
        if k != kind:
            raise WiqlError(f"TF51006: expected a {kind} near '{val}'")
        self.i += 1
        return val

    def parse(self) -> tuple[Predicate, bool]:
        """Returns the WHERE predicate and whether ORDER BY [System.Id] is descending."""
        self.expect("SELECT")
        while self.peek()[0] in ("field", "op") and self.peek()[1] != ")":
            self.i += 1
        self.expect("FROM")
        if not self.word("WORKITEMS"):
            raise WiqlError("TF51006: only flat queries FROM WorkItems are supported")
        pred: Predicate = lambda get: True  # noqa: E731
        if self.word("WHERE"):
            pred = self.expr()
        descending = False
        if self.word("ORDER"):
            self.expect("BY")
            self.field()
            descending = self.word("DESC")
            self.word("ASC")
            while self.peek() == ("op", ","):
                self.i += 1
                self.field()
                self.word("ASC", "DESC")
        if self.word("ASOF"):
            self.take("str")
        if self.peek()[0] != "end":
            raise WiqlError(f"TF51006: unexpected '{self.peek()[1]}'")
        return pred, descending

    def field(self) -> str:
        name = self.take("field")[1:-1].strip()
        return DISPLAY_NAMES.get(name.lower(), name)

    def expr(self) -> Predicate:
        left = self.term()
        while self.word("OR"):
            right = self.term()
            left = (lambda a, b: lambda g: a(g) or b(g))(left, right)
        return left

    def term(self) -> Predicate:
        left = self.factor()
        while self.word("AND"):
            right = self.factor()
            left = (lambda a, b: lambda g: a(g) and b(g))(left, right)
        return left

    def factor(self) -> Predicate:
        if self.word("NOT"):
            inner = self.factor()
            return lambda g: not inner(g)
        if self.peek() == ("op", "("):
            self.i += 1
            inner = self.expr()
            if self.take("op") != ")":
                raise WiqlError("TF51006: missing ')'")
            return inner
        return self.comparison()

    def value(self, name: str) -> Any:
        kind, val = self.peek()
        self.i += 1
        if kind == "str":
            text = val[1:-1].replace("''", "'")
            return _date(text) if name in DATE_FIELDS else text
        if kind == "num":
            return float(val)
        if kind == "macro" and val.lower() == "@project":
            return self.project
        if kind == "macro" and val.lower() == "@today":
            shift = 0
            if self.peek() in (("op", "+"), ("op", "-")):
                sign = 1 if self.take("op") == "+" else -1
                shift = sign * int(float(self.take("num")))
            return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
                days=shift
            )
        raise WiqlError(f"TF51006: unexpected '{val}'")

    def comparison(self) -> Predicate:
        name = self.field()
        negate = self.word("NOT")
        if self.word("IN"):
            if self.take("op") != "(":
                raise WiqlError("TF51006: expected '('")
            values = [self.value(name)]
            while self.take("op") == ",":
                values.append(self.value(name))
            wanted = {_norm(v) for v in values}
            return lambda g: (_norm(g(name)) in wanted) != negate
        if self.word("UNDER"):
            root = str(self.value(name)).lower()
            return lambda g: _under(g(name), root) != negate
        if self.word("CONTAINS"):
            self.word("WORDS")
            needle = str(self.value(name)).lower()
            return lambda g: _contains(name, g(name), needle) != negate
        op = self.take("op")
        value = self.value(name)
        compare = _OPS.get(op)
        if compare is None:
            raise WiqlError(f"TF51006: unknown operator '{op}'")
        return lambda g: _safe(compare, g(name), value)


def _date(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise WiqlError(f"TF51005: '{text}' is not a date") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def _under(value: Any, root: str) -> bool:
    path = str(value or "").lower()
    return path == root or path.startswith(root + "\\")


def _contains(name: str, value: Any, needle: str) -> bool:
    if name == "System.Tags":
        return needle in [t.strip().lower() for t in str(value or "").split(";")]
    return needle in str(value or "").lower()


def _safe(compare: Callable[[Any, Any], bool], left: Any, right: Any) -> bool:
    if left is None:
        return False
    if isinstance(left, date) and not isinstance(left, datetime):
        left = datetime(left.year, left.month, left.day, tzinfo=UTC)
    try:
        return compare(_norm(left), _norm(right))
    except TypeError:
        return False


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: bool(a == b),
    "<>": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    ">": lambda a, b: bool(a > b),
    "<=": lambda a, b: bool(a <= b),
    ">=": lambda a, b: bool(a >= b),
}


def compile_wiql(text: str, project: str) -> tuple[Predicate, bool]:
    """Parse ``text``; returns (predicate over a field getter, ORDER BY descending)."""
    return _Parser(text, project).parse()

"""The JQL subset the connector sends, parsed and evaluated over the simulator's issues.

Clauses: ``project``, ``key``/``issuekey``, ``id``, ``issuetype``, ``status`` with ``=``,
``!=``, ``in``, ``not in``; ``updated``/``created`` with ``>=``, ``>``, ``<=``, ``<``, ``=`` and
dates written ``"yyyy/MM/dd HH:mm"`` (or with dashes, or without the time) in the user's time
zone; ``AND``, ``OR``, ``NOT``, parentheses; ``ORDER BY`` field [ASC|DESC], ... Anything else
is refused with Jira's own 400 messages, as Jira would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from simulators.jira.state import SimIssue

Predicate = Callable[[SimIssue], bool]
TOKEN = re.compile(
    r"""\s*(?:(?P<s>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""  # a quoted string
    r"""|(?P<o>!=|>=|<=|=|>|<|\(|\)|,)"""  # an operator or punctuation
    r"""|(?P<w>[^\s=!<>(),"']+))"""  # a word
)
DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")


class JqlError(ValueError):
    """A query Jira would answer with 400 (the message is Jira's)."""


@dataclass
class Query:
    predicate: Predicate | None  # None: no restriction at all (unbounded)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    keys: list[str] = field(default_factory=list)  # keys named by key clauses
    # the keys the predicate can only match among (a key = / key in clause every match must
    # pass), so a search looks those up as Jira's index does; None: any issue may match
    bound: frozenset[str] | None = None


def key_order(key: str) -> tuple[str, int, int | str]:
    """Jira's key order: by project, then by number (non-numeric keys after)."""
    project, _, number = key.rpartition("-")
    return (project, 0, int(number)) if number.isdigit() else (project, 1, number)


def sort_key(issue: SimIssue, order: list[tuple[str, bool]]) -> tuple[Any, ...]:
    parts: list[Any] = []
    for name, desc in order:
        if name in ("updated", "created"):
            at = issue.updated if name == "updated" else issue.item.created
            value: Any = int(at.timestamp() * 1000)
        elif name == "id":
            value = issue.id
        else:
            value = key_order(issue.key)
        parts.append(-value if desc else value)
    return (*parts, issue.id)


class Parser:
    def __init__(self, text: str, time_zone: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                raise JqlError(f"Error in the JQL Query: unexpected input at position {pos}.")
            kind = m.lastgroup or "w"
            value = m.group(kind)
            self.tokens.append((kind, value[1:-1] if kind == "s" else value))
            pos = m.end()
        self.i, self.tz, self.keys = 0, ZoneInfo(time_zone), list[str]()
        self.bounds: dict[int, frozenset[str]] = {}  # by id(predicate): see Query.bound

    def peek(self) -> str | None:
        return self.tokens[self.i][1].lower() if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        if self.i >= len(self.tokens):
            raise JqlError("Error in the JQL Query: the query ended unexpectedly.")
        value = self.tokens[self.i][1]
        if expected and value.lower() != expected:
            raise JqlError(f"Error in the JQL Query: expected '{expected}' but got '{value}'.")
        self.i += 1
        return value

    def parse(self) -> Query:
        predicate = None if self.peek() in (None, "order") else self.disjunction()
        order: list[tuple[str, bool]] = []
        if self.peek() == "order":
            self.take("order")
            self.take("by")
            while True:
                name = self.take().lower().replace("issuekey", "key")
                if name not in ("updated", "created", "key", "id"):
                    raise JqlError(f"Not able to sort using field '{name}'.")
                desc = self.peek() == "desc"
                if self.peek() in ("asc", "desc"):
                    self.take()
                if desc and name == "key":
                    raise JqlError("The simulator sorts keys ascending only.")
                order.append((name, desc))
                if self.peek() != ",":
                    break
                self.take(",")
        if self.i < len(self.tokens):
            raise JqlError(f"Error in the JQL Query: unexpected '{self.tokens[self.i][1]}'.")
        bound = None if predicate is None else self.bounds.get(id(predicate))
        return Query(predicate, order, self.keys, bound)

    def bounded(self, predicate: Predicate, keys: frozenset[str] | None) -> Predicate:
        """``predicate``, noted as matching only issues with one of ``keys`` (when known)."""
        if keys is not None:
            self.bounds[id(predicate)] = keys
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.peek() == "or":
            self.take()
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        bounds = [self.bounds.get(id(p)) for p in parts]
        either = None if None in bounds else frozenset().union(*(b for b in bounds if b))
        return self.bounded(lambda i: any(p(i) for p in parts), either)

    def conjunction(self) -> Predicate:
        parts = [self.factor()]
        while self.peek() == "and":
            self.take()
            parts.append(self.factor())
        if len(parts) == 1:
            return parts[0]
        bounds = [b for p in parts if (b := self.bounds.get(id(p))) is not None]
        both = frozenset.intersection(*bounds) if bounds else None
        return self.bounded(lambda i: all(p(i) for p in parts), both)

    def factor(self) -> Predicate:
        if self.peek() == "not":
            self.take()
            inner = self.factor()
            return lambda i: not inner(i)
        if self.peek() == "(":
            self.take("(")
            inner = self.disjunction()
            self.take(")")
            return inner
        return self.clause()

    def values(self) -> list[str]:
        if self.peek() != "(":
            return [self.take()]
        self.take("(")
        out = [self.take()]
        while self.peek() == ",":
            self.take(",")
            out.append(self.take())
        self.take(")")
        return out

    def clause(self) -> Predicate:
        name = self.take().lower()
        op = self.take().lower()
        if op == "not":
            self.take("in")
            op = "not in"
        values = self.values()
        if name in ("updated", "created"):
            return self.date_clause(name, op, values[0])
        getters: dict[str, Callable[[SimIssue], list[str]]] = {
            "project": lambda i: [i.project.key.lower(), i.project.id, i.item.team.lower()],
            "key": lambda i: [i.key.lower()],
            "issuekey": lambda i: [i.key.lower()],
            "id": lambda i: [str(i.id)],
            "issuetype": lambda i: [i.issuetype.lower()],
            "type": lambda i: [i.issuetype.lower()],
            "status": lambda i: [str(i.item.current("status")).lower()],
        }
        if name not in getters:
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )
        if name in ("key", "issuekey"):
            self.keys += values
        wanted, get = {v.lower() for v in values}, getters[name]
        if op in ("=", "in"):
            keyed = frozenset(wanted) if name in ("key", "issuekey") else None
            return self.bounded(lambda i: any(v in wanted for v in get(i)), keyed)
        if op in ("!=", "not in"):
            return lambda i: not any(v in wanted for v in get(i))
        raise JqlError(f"The operator '{op}' is not supported by the '{name}' field.")

    def date_clause(self, name: str, op: str, text: str) -> Predicate:
        for fmt in DATE_FORMATS:
            try:
                at = datetime.strptime(text, fmt).replace(tzinfo=self.tz)
                break
            except ValueError:
                continue
        else:
            raise JqlError(
                f"Date value '{text}' for field '{name}' is invalid. Valid formats "
                "include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', "
                "'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
            )
        compare: dict[str, Callable[[datetime], bool]] = {
            ">=": lambda v: v >= at,
            ">": lambda v: v > at,
            "<=": lambda v: v <= at,
            "<": lambda v: v < at,
            "=": lambda v: v == at,
        }
        if op not in compare:
            raise JqlError(f"The operator '{op}' is not supported by the '{name}' field.")
        test = compare[op]
        if name == "updated":
            return lambda i: test(i.updated)
        return lambda i: test(i.item.created)


def parse(text: str, time_zone: str = "UTC") -> Query:
    """Parse ``text``; JqlError carries the message Jira would send with its 400."""
    return Parser(text, time_zone).parse()

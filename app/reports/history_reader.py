"""The history read of a large ART's load, in a helper process beside the service's own read.

Reading a million history rows is bound by making a Python object of each value the driver
returns, which holds the interpreter: in one process a load reads the items, the links and
the history one after the other. A helper process reads the history on the other core
meanwhile and hands it over as arrays, with one string per distinct value rather than one
per row. The helper imports only the standard library, NumPy, the database driver and
art.value_codes, so it starts in about a tenth of a second; when it cannot run or fails,
the service reads the history itself (the same function, :func:`history_columns`), and
says why in its log.

Run as ``python -m app.reports.history_reader``: a JSON request on stdin (the database and
the SQL to run), the pickled :class:`HistoryColumns` on stdout.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import pickle
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from art.value_codes import ValueCoder

log = logging.getLogger(__name__)
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]
FETCH_BLOCK = 20_000  # rows per fetch
WIDTH = 5  # item id with its codes (see CODE_BITS), at, from, to, seq
# a history row's item id and its three small codes as one integer: each column the driver
# returns costs about as much as any other (a tenth of a second per million rows), so the
# field code and the two category codes (each + 1, from 0 to 7) ride in the id's low bits
CODE_BITS = 3
POSTGRES_EPOCH_MICROS = 946_684_800_000_000  # 2000-01-01, where PostgreSQL's binary times start
_ROOT = Path(__file__).resolve().parents[2]  # where the ``app`` package is importable


@dataclass(frozen=True)
class HistoryColumns:
    """History rows as read, as columns: ``t`` in microseconds since the epoch, the values
    as codes into ``values`` (-1: none), the rest as the query gave them."""

    owner: I64
    field: I8
    t: I64
    seq: I64
    from_cat: I8
    to_cat: I8
    from_code: I32
    to_code: I32
    values: list[str]


def history_columns(blocks: Iterable[list[tuple[Any, ...]]]) -> HistoryColumns:
    """Rows of :data:`WIDTH` values as :class:`HistoryColumns`, each block turned into
    arrays at C speed as it comes: a read holds one block's Python values at a time, where
    a million rows held whole took some 200 MB more, each page of it touched anew."""
    coder = ValueCoder()
    packed: list[I64] = []
    at: list[I64] = []
    seq: list[I64] = []
    frm: list[I32] = []
    to: list[I32] = []
    for block in blocks:
        b_packed, b_at, b_frm, b_to, b_seq = zip(*block, strict=True)
        packed.append(np.array(b_packed, dtype=np.int64))
        at.append(micros(b_at))
        seq.append(np.array(b_seq, dtype=np.int64))
        f, t = coder.add(b_frm, b_to)
        frm.append(f)
        to.append(t)
    from_code, to_code, values = coder.finish(_joined(frm, np.int32), _joined(to, np.int32))
    owner_field_fc_tc = _joined(packed, np.int64)
    low = (1 << CODE_BITS) - 1
    return HistoryColumns(
        owner=owner_field_fc_tc >> (3 * CODE_BITS),
        field=((owner_field_fc_tc >> (2 * CODE_BITS)) & low).astype(np.int8),
        t=_joined(at, np.int64),
        seq=_joined(seq, np.int64),
        from_cat=(((owner_field_fc_tc >> CODE_BITS) & low) - 1).astype(np.int8),
        to_cat=((owner_field_fc_tc & low) - 1).astype(np.int8),
        from_code=from_code,
        to_code=to_code,
        values=values,
    )


def _joined(parts: list[Any], dtype: type[np.generic]) -> Any:
    """The blocks' arrays as one (an empty one of ``dtype`` when there were none)."""
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def transposed(blocks: Iterable[list[tuple[Any, ...]]], width: int) -> list[list[Any]]:
    """Rows of ``width`` values as one list per column, each block transposed at C speed."""
    cols: list[list[Any]] = [[] for _ in range(width)]
    for block in blocks:
        for col, values in zip(cols, zip(*block, strict=True), strict=True):
            col.extend(values)
    return cols


def micros(values: Sequence[Any]) -> I64:
    """Stored timestamps as microseconds since the epoch: as they are when the database
    gave integers (PostgreSQL's query computes them); SQLite's text (naive UTC) parsed by
    NumPy at C speed, else one at a time (a driver's aware datetimes, or text with a zone);
    exact, as the float error at today's epoch is below a quarter microsecond."""
    if values and isinstance(values[0], int):
        as_int: I64 = np.array(values, dtype=np.int64)
        return as_int
    if values and isinstance(values[0], str):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # (a zone in the text: parsed one at a time)
                parsed: I64 = np.array(values, dtype="datetime64[us]").astype(np.int64)
                return parsed
        except (ValueError, TypeError, Warning):
            values = [_aware(v) for v in values]
    seconds = np.asarray([v.timestamp() for v in values], dtype=np.float64)
    out: I64 = np.rint(seconds * 1e6).astype(np.int64)
    return out


def _aware(value: str | datetime) -> datetime:
    """Stored text as an aware datetime: naive text is UTC."""
    t = datetime.fromisoformat(value) if isinstance(value, str) else value
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Database:
    """Where the helper reads: ``kind`` "sqlite" (``target`` a file path) or "postgresql"
    (``target`` a libpq connection URI)."""

    kind: str
    target: str


class HelperRead:
    """A history read running in a helper process; :meth:`result` waits for it."""

    def __init__(self, database: Database, sql: str) -> None:
        request = json.dumps({"kind": database.kind, "target": database.target, "sql": sql})
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_ROOT), env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "app.reports.history_reader"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self._out: tuple[bytes, bytes] = (b"", b"")
        self._thread = threading.Thread(
            target=self._talk, args=(request.encode(),), name="history-reader", daemon=True
        )
        self._thread.start()

    def _talk(self, request: bytes) -> None:
        self._out = self._proc.communicate(request)

    def result(self) -> HistoryColumns:
        """The columns the helper read; :class:`HelperFailed` when it did not."""
        self._thread.join()
        out, err = self._out
        if self._proc.returncode != 0:
            tail = err.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise HelperFailed(f"exit status {self._proc.returncode}: {tail[0]}")
        try:  # (our own child's output, never a client's)
            return HistoryColumns(**pickle.loads(out))
        except Exception as exc:
            raise HelperFailed(f"unreadable output ({exc})") from exc


class HelperFailed(RuntimeError):
    """The helper process did not hand over the history."""


def _blocks(cursor: Any) -> Iterator[list[tuple[Any, ...]]]:
    while block := cursor.fetchmany(FETCH_BLOCK):
        yield list(block)


def _read(request: dict[str, str]) -> HistoryColumns:
    """In the helper: run the request's SQL on its database, read-only."""
    if request["kind"] == "sqlite":
        import sqlite3

        uri = Path(request["target"]).resolve().as_uri() + "?mode=ro"
        conn: Any = sqlite3.connect(uri, uri=True, timeout=30)
        try:
            cursor = conn.cursor()
            cursor.execute(request["sql"])
            return history_columns(_blocks(cursor))
        finally:
            conn.close()
    return _read_postgres(request["target"], request["sql"])


def _read_postgres(target: str, sql: str) -> HistoryColumns:
    """PostgreSQL's rows, in its binary format with each time read as the integer it is
    sent as (microseconds since 2000-01-01, by psycopg's C loader for 64-bit integers) and
    moved to the Unix epoch at once: exact, and no datetime made per row nor microseconds
    computed by the server as numerics (a quarter of a second in a million rows)."""
    import psycopg
    from psycopg.types.numeric import Int8BinaryLoader

    with psycopg.connect(target) as conn:
        conn.read_only = True
        conn.adapters.register_loader("timestamptz", Int8BinaryLoader)
        cursor = conn.cursor(binary=True)
        cursor.execute(sql)
        columns = history_columns(_blocks(cursor))
    return replace(columns, t=columns.t + POSTGRES_EPOCH_MICROS)


def main() -> int:
    """The helper: a request on stdin, the pickled columns on stdout. The cyclic collector
    is off: a read makes millions of objects and no cycles (app.reports.collector)."""
    gc.disable()
    columns = _read(json.loads(sys.stdin.buffer.read()))
    # (its fields, not the object: run as __main__, its class would be __main__'s)
    pickle.dump(vars(columns), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

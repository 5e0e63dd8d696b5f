"""The store's write primitives: the one way sync and app write shared rows.

- :mod:`art.store.upsert`: ``INSERT ... ON CONFLICT`` (insert-or-skip, insert-or-update) on
  SQLite and PostgreSQL alike;
- :mod:`art.store.lease`: a piece of work (a pull, a digest) runs on one holder at a time;
- :mod:`art.store.outbox`: an outgoing event is a row written with the change behind it.

They live in the model layer so that sync (pulls, the webhook inbox) and app (outgoing
deliveries, the event watcher, digests, baselines) write through the same code: a dialect
quirk, a lease rule or an event's shape is fixed once. An import-linter contract keeps app off
sync's own writers.
"""

"""The reporting schema's tables, kept by the worker from the report service (docs/bi.md)."""

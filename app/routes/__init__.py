"""HTTP routes, one module per area of docs/api.md."""

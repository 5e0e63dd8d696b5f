"""Trainyard for AI assistants: a read-only Model Context Protocol server (docs/mcp.md).

Its tools (tools.py) answer from the report service's bodies, as the API does; the server
(server.py) is mounted in the web app at ``/mcp`` behind the API's bearer tokens (auth.py) and
runs over stdio for desktop assistants (``trainyard mcp``).
"""

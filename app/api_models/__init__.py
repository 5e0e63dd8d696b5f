"""Response models of the HTTP API, one module per family of endpoints.

They document the bodies in /openapi.json (schema, field meanings, an example taken from a
real answer) and never shape them: routes return Response objects (JSON or CSV, with an
ETag), which FastAPI sends as they are, so a model cannot filter or reorder a body. The
tests in tests/app/api/test_openapi_schemas.py keep the models and the bodies in step.
"""

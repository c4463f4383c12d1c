"""The HTTP API: paperchat's own /api routes and the OpenAI-compatible /v1 routes."""

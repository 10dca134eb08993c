"""The server: the FastAPI app, its routes, instrumentation and probes (in uvicorn, gunicorn or granian)."""

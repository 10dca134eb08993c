"""A small shop service: the lab's example of a user's own app (issue 11 §5).

It knows nothing of the lab. Serve it as any FastAPI app: `uvicorn shop.app:app --app-dir examples`.
"""

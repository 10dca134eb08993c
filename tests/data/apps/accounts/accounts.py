"""A login service: PBKDF2 password checks in `def` handlers (hashlib runs outside the GIL)."""

import hashlib
import hmac
import os

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI(title="accounts")
SALT = b"pepper-and-salt"
ROUNDS = int(os.environ.get("ROUNDS", "60000"))
USERS = {f"user{i}": hashlib.pbkdf2_hmac("sha256", f"pw{i}".encode(), SALT, ROUNDS) for i in range(50)}


class Login(BaseModel):
    username: str
    password: str


@app.post("/login")
def login(body: Login):
    stored = USERS.get(body.username)
    if stored is None:
        raise HTTPException(404, "no such user")
    digest = hashlib.pbkdf2_hmac("sha256", body.password.encode(), SALT, ROUNDS)
    if not hmac.compare_digest(digest, stored):
        raise HTTPException(401, "bad password")
    return {"token": digest.hex()[:32]}

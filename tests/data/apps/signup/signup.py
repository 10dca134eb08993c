"""A sign-up service: the account is stored at once; the welcome e-mail goes out in a background task
(a blocking SMTP client, about 60 ms) after the response."""

import time

from fastapi import BackgroundTasks, FastAPI
from pydantic import BaseModel

app = FastAPI(title="signup")
ACCOUNTS: dict[str, dict] = {}


class SignUp(BaseModel):
    email: str
    name: str


def send_welcome(email: str) -> None:
    time.sleep(0.06)  # the SMTP server's round trips


@app.post("/signup", status_code=201)
def signup(body: SignUp, background: BackgroundTasks):
    ACCOUNTS[body.email] = body.model_dump()
    background.add_task(send_welcome, body.email)
    return {"id": len(ACCOUNTS)}

"""Schemathesis hooks for the gateway: bearer authentication that survives the fuzzer itself.

The stateful phase calls logout and DELETE /users/{id} with the token it was given, after which
that token answers 401 for good. The provider below registers a brand-new user through the API
whenever a token is needed, and Schemathesis asks for one again after any 401 (``retry_on``), so
every later call runs as a live user instead of failing authentication.
"""

import itertools
import json
import os
import secrets

import requests
import schemathesis

# Users made here share this prefix, so a stack's database shows which rows the fuzzer made.
EMAIL_PREFIX = "schemathesis"
# Passes the password rule (8..128 characters); each user gets its own.
PASSWORD_BYTES = 18

_counter = itertools.count(1)


def _register(base_url: str) -> str:
    """Registers a fresh user and returns its access token; raises with the response otherwise."""
    n = next(_counter)
    body = {
        "email": f"{EMAIL_PREFIX}-{os.getpid()}-{n}-{secrets.token_hex(4)}@example.test",
        "password": secrets.token_urlsafe(PASSWORD_BYTES),
        "name": f"Schemathesis {n}",
    }
    response = requests.post(f"{base_url}/api/v1/auth/register", json=body, timeout=10)
    if response.status_code != 201:
        raise RuntimeError(f"registering {body['email']}: {response.status_code} {response.text[:200]}")
    tokens = response.json()
    _remember({"password": body["password"], "accessToken": tokens["accessToken"], "refreshToken": tokens["refreshToken"]})
    return tokens["accessToken"]


def _remember(secret_values: dict) -> None:
    """Appends this user's secrets to SCHEMATHESIS_SECRETS_FILE, if set: the test suite's telemetry
    audit then checks that none of them appears in any span or log line."""
    path = os.environ.get("SCHEMATHESIS_SECRETS_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(secret_values) + "\n")


# Kept for at most 10 minutes (access tokens live 15); a 401 drops it at once (the default retry_on).
@schemathesis.auth(refresh_interval=600, retry_on=[401])
class FreshUserAuth:
    """Bearer token of a user registered for the purpose; a new user after any 401."""

    def get(self, case, context):
        return _register(context.operation.schema.get_base_url().rstrip("/"))

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"

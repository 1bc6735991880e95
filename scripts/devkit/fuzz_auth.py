"""Schemathesis auth for `make fuzz` (SCHEMATHESIS_HOOKS=devkit.fuzz_auth): a new signed-in user
every few seconds, as real traffic spreads over users. One user would meet the per-user limit on
job creations within seconds, and the fuzzer would test little of POST /v1/jobs but its 429."""

from __future__ import annotations

import itertools
from typing import Any

import schemathesis

from devkit.stack import Stack
from photopipe.auth import tokens

_users = itertools.count()


@schemathesis.auth(refresh_interval=5)
class RotatingUsers:
    def get(self, case: Any, context: Any) -> str:
        return tokens.issue(f"fuzz-user-{next(_users)}", Stack.load().auth_secret)

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

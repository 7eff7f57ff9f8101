"""One JSON POST to a robot's webhook, as the three robot targets make it (httpx)."""

from __future__ import annotations

import json

import httpx

from bot.targets.base import HTTP_TIMEOUT_S, DeliveryError, Target


async def post_json(target: Target, url: str, body: dict) -> tuple[int, dict, httpx.Headers]:
    """POST `body` as UTF-8 JSON to `url`; return the HTTP status, the JSON answer and the headers.

    Raises DeliveryError (retry=True) on a network error, a server error (5xx) or an answer that
    is not JSON from a failing server; its text never quotes the URL.
    """
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as client:
            response = await client.post(url, content=data, headers={
                "Content-Type": "application/json; charset=utf-8"})
    except httpx.HTTPError as exc:  # connection refused or reset, timeouts, protocol errors
        raise DeliveryError(f"network error: {type(exc).__name__}", retry=True) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise DeliveryError(f"HTTP {response.status_code}, no JSON answer",
                            retry=response.status_code >= 500 or response.status_code == 429)
    return response.status_code, answer, response.headers


def answer_text(answer: dict, code_field: str, message_field: str) -> str:
    """Return a platform's error as "CODE MESSAGE" (e.g. "45009 api freq out of limit")."""
    return f"{answer.get(code_field)} {str(answer.get(message_field, ''))[:300]}".strip()

"""Who is asking: each request's client (behind the proxies named in WEB_TRUSTED_PROXIES) and
the per-client rate limit.

A reverse proxy names the client it serves in X-Forwarded-For (appending the address it saw)
and X-Real-IP, and the scheme in X-Forwarded-Proto or X-Scheme. Anyone can send those headers, so
they are read only on requests whose peer is a trusted proxy; everyone else is known by the
address of their connection, and cannot rotate a header past the rate limit.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable, Mapping

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_FORWARDED = 20  # addresses of X-Forwarded-For read, from the right (the proxies' end)


class Proxies:
    """The reverse proxies whose forwarding headers are believed (WEB_TRUSTED_PROXIES)."""

    def __init__(self, networks: Iterable[str]) -> None:
        self.networks: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in networks)

    def trusts(self, address: str) -> bool:
        """Return True if `address` is one of the trusted proxies (False for no address at all)."""
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.networks)

    def client(self, peer: str, headers: Mapping[str, str]) -> str:
        """Return the client's address: the peer's own, unless the peer is a trusted proxy; then
        the nearest address in X-Forwarded-For that is not a trusted proxy (read from the
        right: the left part is whatever the client sent), else X-Real-IP, else the peer."""
        if not self.trusts(peer):
            return peer
        forwarded = [part.strip() for part in headers.get("X-Forwarded-For", "").split(",")]
        for address in reversed(forwarded[-MAX_FORWARDED:]):
            ip = _ip(address)
            if ip is None:
                break  # a malformed entry: what lies left of it cannot be told from a forgery
            if not any(ip in network for network in self.networks):
                return str(ip)
        real = _ip(headers.get("X-Real-IP", "").strip())
        return str(real) if real is not None else peer

    def scheme(self, peer: str, headers: Mapping[str, str], own: str) -> str:
        """Return the scheme the client used: X-Forwarded-Proto or X-Scheme (http or https) when
        the peer is a trusted proxy, else `own` (the connection's)."""
        if self.trusts(peer):
            for name in ("X-Forwarded-Proto", "X-Scheme"):
                value = headers.get(name, "").split(",")[-1].strip().lower()
                if value in ("http", "https"):
                    return value
        return own


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Return `text` as an IP address (an IPv4-mapped IPv6 address as IPv4), None if it is none."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return mapped or ip


class TokenBuckets:
    """A token bucket per client: `rate` requests a second, bursts of `3 * rate`; rate 0 = no limit.

    Buckets are forgotten once full again, so memory follows the clients of the last few seconds.
    """

    def __init__(self, rate: float, burst_factor: float = 3.0) -> None:
        self.rate, self.capacity = rate, max(rate * burst_factor, 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)

    def take(self, client: str, now: float | None = None) -> float:
        """Spend one token of `client`'s bucket; return 0 if it had one, else seconds to wait."""
        if not self.rate:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, then = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.rate)
        if tokens < 1:
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[client] = (tokens - 1, now)
        if len(self._buckets) > 10_000:
            self._forget_full(now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        refill = self.capacity / self.rate
        self._buckets = {c: b for c, b in self._buckets.items() if now - b[1] < refill}

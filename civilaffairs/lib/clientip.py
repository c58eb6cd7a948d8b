"""The client's address, for throttling and audit.

Behind a reverse proxy every request comes from the proxy's address, so one attacker
would lock a user name for everyone. With ``TRUSTED_PROXY_COUNT`` set to the number of
proxies in front of the application, the address is read from ``TRUSTED_PROXY_HEADER``
(X-Forwarded-For by default): each trusted proxy appends the address it was connected
from, so the client is the entry that many places from the end. Entries further left
are whatever the client typed and are never trusted. Unset (0), the header is ignored:
a client cannot choose its own address by sending it.
"""
from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    header = request.META.get(getattr(settings, "TRUSTED_PROXY_HEADER", "HTTP_X_FORWARDED_FOR"), "")
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    if len(hops) < count:
        return remote  # not through the configured proxies
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote

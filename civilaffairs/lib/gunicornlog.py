"""gunicorn's access log with ID and mobile numbers redacted (the request line, the query and
the referrer can carry them: an old link, an API filter, an admin search)."""
from __future__ import annotations

from gunicorn.glogging import Logger

from civilaffairs.lib.logging import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}

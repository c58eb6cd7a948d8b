"""gunicorn's access log never carries a full ID or mobile number."""
from __future__ import annotations

import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config

from civilaffairs.lib.gunicornlog import RedactingLogger

ID_NUMBER = "330203198005170037"
PHONE = "13800138000"


def test_gunicorn_conf_uses_the_redacting_logger():
    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    assert conf["logger_class"] == "civilaffairs.lib.gunicornlog.RedactingLogger"


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def test_the_access_log_line_redacts_id_and_phone_numbers():
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = RedactingLogger(cfg)
    # gunicorn's own handler, not the project's (whose filter would redact the record for every handler).
    captured = _Lines()
    logger.access_log.handlers = [captured]
    logger.access_log.propagate = False
    query = f"q={ID_NUMBER}&phone={PHONE}"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/registry/households/?{query}", "PATH_INFO": "/registry/households/",
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": f"http://portal/assistance/file/?q={ID_NUMBER}"}
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])], method="GET", uri=environ["RAW_URI"],
                          path=environ["PATH_INFO"], query=query, version=(1, 1))
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[], response_length=10)
    import datetime as dt

    logger.access(resp, req, environ, dt.timedelta(seconds=0.01))
    line = "\n".join(captured.lines)
    assert "GET /registry/households/?q=330203********0037" in line
    assert ID_NUMBER not in line and PHONE not in line and "138****8000" in line


def test_the_development_servers_request_lines_are_redacted(settings):
    # Django's own django.server handler has no filter; ours routes it through the redacting one.
    route = settings.LOGGING["loggers"]["django.server"]
    assert route["handlers"] and not route.get("propagate", True)
    assert all("redact" in settings.LOGGING["handlers"][name]["filters"] for name in route["handlers"])

"""Searches by ID number without the number in a URL.

Search forms that take a full ID number are posted; the view answers with a redirect to the
same list whose query carries the number's keyed digest (``id_digest``) instead of the number,
so the number reaches neither the access logs nor the browser history, while paging, sorting
and bookmarks keep working. The masked number is kept in the session to show what was searched.
"""
from __future__ import annotations

import re

from django.http import HttpResponseRedirect, QueryDict

from civilaffairs.lib.idnumber import is_valid_id_number, normalize_id_number
from civilaffairs.lib.masking import mask_id_number

from .selectors import id_digest

ID_DIGEST_PARAM = "id_digest"
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_SESSION_KEY = "id_search_labels"
_LABELS_KEPT = 20


def is_id_digest(value: str) -> bool:
    return bool(_DIGEST.match(value or ""))


def search_redirect(request, data: QueryDict, *, field: str = "q") -> HttpResponseRedirect:
    """The GET URL for a posted search: a full ID number in ``field`` becomes its digest."""
    params = data.copy()
    for name in ("csrfmiddlewaretoken", "page", ID_DIGEST_PARAM):
        params.pop(name, None)
    term = params.get(field, "").strip()
    if is_valid_id_number(term):
        digest = id_digest(normalize_id_number(term))
        params.pop(field, None)
        params[ID_DIGEST_PARAM] = digest
        labels = dict(list(request.session.get(_SESSION_KEY, {}).items())[-(_LABELS_KEPT - 1):])
        labels[digest] = mask_id_number(normalize_id_number(term))
        request.session[_SESSION_KEY] = labels
    query = params.urlencode()
    return HttpResponseRedirect(request.path + (f"?{query}" if query else ""))


def names_an_id_number(data: QueryDict, *, field: str = "q") -> bool:
    """A GET that still carries a full number (an old link): redirect it to the digest form too."""
    return is_valid_id_number(data.get(field, "").strip())


def searched_id_label(request, digest: str | None) -> str:
    """The masked ID number a digest in the URL stands for (empty if this session did not search it)."""
    if not digest:
        return ""
    return request.session.get(_SESSION_KEY, {}).get(digest, "")

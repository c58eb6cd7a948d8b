"""What a programme plugs into the platform.

The platform (``civilaffairs/``) knows no programme by name: a programme app registers what it
brings in its ``AppConfig.ready()`` through the small registries below — the way
``civilaffairs.worklist.sources`` works. Every ``register_*`` replaces an earlier registration
under the same key (an app reloaded in tests registers again), every ``unregister_*`` forgets it,
and the listing functions return frozen records sorted by ``order`` (then key).

- programmes: ``register_programme`` — a programme's code, name and order (the code is its URL
  and API prefix and its audit area);
- pages: ``register_urls`` — a URL prefix and the urlconf module mounted there by
  ``civilaffairs/urls.py`` (``assistance/`` → ``assistance.urls``);
- API: ``register_api`` — a router's viewsets and plain paths, mounted under
  ``/api/v1/<programme>/`` by ``civilaffairs/api/routes.py`` (and listed on the API root);
  ``register_api_enum_names`` names a programme's choice sets in the OpenAPI schema;
- navigation: ``register_nav`` — a top-bar link for one audience, optionally only for holders
  of a capability; ``register_home_card`` — a card on one role's home page;
- demo: ``register_demo_step`` — seeded after the platform's city, in order; reset in reverse
  order before the city goes;
- audit: ``register_audit_area`` — an action prefix and its label (the audit admin's filter);
- beat: ``register_beat`` — a Celery beat entry, added to ``civilaffairs.celery``'s schedule.

The URL registries are read when the URLconf is first loaded, after every app is ready, so a
programme registers its pages and API in ``ready()`` and nowhere later.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Audience:
    """Who sees a navigation entry or a home card."""

    EVERYONE = "everyone"          # signed in or not
    STAFF = "staff"                # caseworkers (the caseworker roles, and superusers)
    RESIDENT = "resident"          # a signed-in resident
    DATA_PROVIDER = "data_provider"  # another department's data provider
    ADMIN = "admin"                # may open the Django admin (``is_staff``)

    ALL = (EVERYONE, STAFF, RESIDENT, DATA_PROVIDER, ADMIN)


def _sorted(registry: dict) -> list:
    return sorted(registry.values(), key=lambda r: (r.order, r.key))


def _check_audience(audience: str) -> None:
    if audience not in Audience.ALL:
        raise ValueError(f"unknown audience {audience!r}; one of {Audience.ALL}")


# --- Programmes -------------------------------------------------------------------------

@dataclass(frozen=True)
class Programme:
    key: str        # the code: URL and API prefix, audit area (``assistance``)
    name: Any       # a (lazy) translated name (``社会救助``)
    order: int = 100


_PROGRAMMES: dict[str, Programme] = {}


def register_programme(code: str, *, name, order: int = 100) -> None:
    _PROGRAMMES[code] = Programme(key=code, name=name, order=order)


def unregister_programme(code: str) -> None:
    _PROGRAMMES.pop(code, None)


def programmes() -> list[Programme]:
    return _sorted(_PROGRAMMES)


# --- Pages --------------------------------------------------------------------------------

@dataclass(frozen=True)
class UrlInclude:
    key: str        # the prefix, ``assistance/``
    urlconf: str    # the module mounted there, ``assistance.urls``
    order: int = 100


_URLS: dict[str, UrlInclude] = {}


def register_urls(prefix: str, urlconf: str, *, order: int = 100) -> None:
    """Mount ``urlconf`` (a module path, with its own ``app_name``) at ``/<prefix>``."""
    if not prefix.endswith("/") or prefix.startswith("/"):
        raise ValueError(f"a URL prefix is relative and ends with a slash: {prefix!r}")
    _URLS[prefix] = UrlInclude(key=prefix, urlconf=urlconf, order=order)


def unregister_urls(prefix: str) -> None:
    _URLS.pop(prefix, None)


def url_includes() -> list[UrlInclude]:
    return _sorted(_URLS)


# --- API ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ApiRoutes:
    key: str                    # ``<programme>`` or ``<programme>:<part>`` (one programme, several apps)
    programme: str              # the prefix: ``/api/v1/<programme>/``
    viewsets: tuple = ()        # (prefix, viewset, basename), as a router's ``registry`` holds them
    urlpatterns: tuple = ()     # plain paths, relative to ``/api/v1/<programme>/``
    order: int = 100


_API: dict[str, ApiRoutes] = {}
_ENUM_NAMES: dict[str, dict[str, str]] = {}
_PLATFORM_ENUM_NAMES: dict[str, str] | None = None


def register_api(programme: str, *, router=None, urlpatterns=(), part: str = "", order: int = 100) -> None:
    """Mount ``router``'s viewsets and ``urlpatterns`` under ``/api/v1/<programme>/``.

    ``router`` is any DRF router (its ``registry`` is read: prefixes are relative to the
    programme's); the viewsets join the one router of ``/api/v1/`` so the API root lists them.
    URL names stay in the ``api`` namespace (``api:<basename>-list``). ``part`` tells apart two
    registrations of one programme (``assistance`` and its scoring app)."""
    key = f"{programme}:{part}" if part else programme
    viewsets = tuple(tuple(entry) for entry in router.registry) if router is not None else ()
    _API[key] = ApiRoutes(key=key, programme=programme, viewsets=viewsets, urlpatterns=tuple(urlpatterns),
                          order=order)


def unregister_api(programme: str, *, part: str = "") -> None:
    _API.pop(f"{programme}:{part}" if part else programme, None)


def api_routes() -> list[ApiRoutes]:
    return _sorted(_API)


def register_api_enum_names(programme: str, names: Mapping[str, str]) -> None:
    """Name a programme's choice sets in the OpenAPI schema (drf-spectacular's
    ``ENUM_NAME_OVERRIDES``: component name → dotted path of the choices), so two models'
    ``status`` fields with different choices get names of their own."""
    _ENUM_NAMES[programme] = dict(names)
    _apply_enum_names()


def unregister_api_enum_names(programme: str) -> None:
    _ENUM_NAMES.pop(programme, None)
    _apply_enum_names()


def _apply_enum_names() -> None:
    # drf-spectacular reads its settings lazily (the same dict object): the platform's own names
    # stay in settings.py, the programmes' are added to them here.
    global _PLATFORM_ENUM_NAMES
    from django.conf import settings

    overrides = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
    if _PLATFORM_ENUM_NAMES is None:
        _PLATFORM_ENUM_NAMES = dict(overrides)
    overrides.clear()
    overrides.update(_PLATFORM_ENUM_NAMES)
    for names in _ENUM_NAMES.values():
        overrides.update(names)
    from drf_spectacular.plumbing import _load_enum_name_overrides

    _load_enum_name_overrides.cache_clear()


# --- Navigation and home cards --------------------------------------------------------------

@dataclass(frozen=True)
class NavEntry:
    key: str
    label: Any                  # a (lazy) translated label
    url_name: str               # reversed with no arguments (``assistance:application_list``)
    audience: str = Audience.EVERYONE
    capability: str = ""        # when set, only users holding it (anywhere) see the entry
    order: int = 100


@dataclass(frozen=True)
class HomeCard:
    key: str
    title: Any
    url_name: str
    audience: str = Audience.STAFF
    description: Any = ""
    capability: str = ""
    order: int = 100


_NAV: dict[str, NavEntry] = {}
_CARDS: dict[str, HomeCard] = {}


def register_nav(key: str, *, label, url_name: str, audience: str = Audience.EVERYONE, capability: str = "",
                 order: int = 100) -> None:
    _check_audience(audience)
    _NAV[key] = NavEntry(key=key, label=label, url_name=url_name, audience=audience, capability=capability,
                         order=order)


def unregister_nav(key: str) -> None:
    _NAV.pop(key, None)


def nav_entries(user) -> list[NavEntry]:
    """The registered entries ``user`` sees (``None`` or anonymous: the public ones), in order."""
    return [e for e in _sorted(_NAV) if _sees(user, e.audience, e.capability)]


def register_home_card(key: str, *, title, url_name: str, audience: str = Audience.STAFF, description="",
                       capability: str = "", order: int = 100) -> None:
    _check_audience(audience)
    _CARDS[key] = HomeCard(key=key, title=title, url_name=url_name, audience=audience, description=description,
                           capability=capability, order=order)


def unregister_home_card(key: str) -> None:
    _CARDS.pop(key, None)


def home_cards(*, audience: str, user) -> list[HomeCard]:
    """The cards of one role's home page (``audience``) that ``user`` sees, in order."""
    return [c for c in _sorted(_CARDS) if c.audience == audience and _sees(user, c.audience, c.capability)]


def _sees(user, audience: str, capability: str) -> bool:
    from civilaffairs.accounts.roles import CASEWORKER_ROLES, Role
    from civilaffairs.accounts.scoping import user_can, user_roles

    signed_in = bool(user is not None and user.is_authenticated)
    if audience == Audience.EVERYONE:
        visible = True
    elif not signed_in:
        return False
    elif audience == Audience.STAFF:
        visible = bool(user.is_superuser or user_roles(user) & CASEWORKER_ROLES)
    elif audience == Audience.RESIDENT:
        visible = bool(getattr(user, "is_resident", False))
    elif audience == Audience.DATA_PROVIDER:
        visible = Role.DATA_PROVIDER in user_roles(user)
    else:  # Audience.ADMIN
        visible = bool(user.is_staff)
    if visible and capability:
        visible = signed_in and user_can(user, capability)
    return visible


# --- Demo -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoStep:
    """``seed(*, demo, log)`` runs after the platform's city and accounts are in, inside the
    same transaction; ``reset(*, demo, log)`` runs before the platform removes them. ``demo``
    is what the platform seeded (a ``civilaffairs.registry.demo.DemoCity``: household and person
    id ranges, the home community, ``today``; on reset read back from the audit log, so it may
    lack ``today``)."""

    key: str
    seed: Callable[..., None] | None = None
    reset: Callable[..., None] | None = None
    order: int = 100


_DEMO: dict[str, DemoStep] = {}


def register_demo_step(key: str, *, seed: Callable[..., None] | None = None,
                       reset: Callable[..., None] | None = None, order: int = 100) -> None:
    _DEMO[key] = DemoStep(key=key, seed=seed, reset=reset, order=order)


def unregister_demo_step(key: str) -> None:
    _DEMO.pop(key, None)


def demo_steps() -> list[DemoStep]:
    """In seeding order; the reset runs them in reverse."""
    return _sorted(_DEMO)


# --- Audit areas ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditArea:
    key: str        # the action prefix: events ``<key>.*`` belong to the area
    label: Any
    order: int = 100


_AUDIT_AREAS: dict[str, AuditArea] = {}


def register_audit_area(prefix: str, *, label, order: int = 100) -> None:
    _AUDIT_AREAS[prefix] = AuditArea(key=prefix, label=label, order=order)


def unregister_audit_area(prefix: str) -> None:
    _AUDIT_AREAS.pop(prefix, None)


def audit_areas() -> list[AuditArea]:
    return _sorted(_AUDIT_AREAS)


# --- Celery beat ------------------------------------------------------------------------------

@dataclass(frozen=True)
class BeatEntry:
    key: str
    task: str
    schedule: Any
    options: dict = field(default_factory=dict)
    order: int = 100


_BEAT: dict[str, BeatEntry] = {}


def register_beat(name: str, *, task: str, schedule, options: dict | None = None) -> None:
    """Add a periodic task to the beat schedule (``civilaffairs.celery``). Beat reads the schedule
    after Django is set up, so an entry registered in ``ready()`` is there when beat starts."""
    _BEAT[name] = BeatEntry(key=name, task=task, schedule=schedule, options=dict(options or {}))
    _apply_beat()


def unregister_beat(name: str) -> None:
    _BEAT.pop(name, None)
    _apply_beat()


def beat_entries() -> list[BeatEntry]:
    return _sorted(_BEAT)


def _apply_beat() -> None:
    from civilaffairs.celery import PLATFORM_BEAT_SCHEDULE, app

    schedule = dict(PLATFORM_BEAT_SCHEDULE)
    for entry in beat_entries():
        schedule[entry.key] = {"task": entry.task, "schedule": entry.schedule,
                               **({"options": entry.options} if entry.options else {})}
    app.conf.beat_schedule = schedule

"""The platform (``civilaffairs/``) imports no programme app: programmes plug in through
``civilaffairs.programmes``, the platform never reaches out.

Every module under ``civilaffairs/`` (migrations included) is parsed with ``ast`` and searched
for ``import assistance…`` / ``from charity… import …`` at any depth (module, function, class),
and for string literals naming a programme module (``include("assistance.urls")``,
``import_module("eldercare.x")``, ``import_string("assistance.models.Programme")``, a drf-spectacular
setting, a subject type such as ``"assistance.application"``), and a bare programme name given to
a loader (``import_module("charity")``). Docstrings are prose and are not searched. The one allowed place is ``INSTALLED_APPS`` in settings.py: which apps run is
configuration.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = ROOT / "civilaffairs"
PROGRAMMES = ("assistance", "eldercare", "childwelfare", "charity")
# "assistance.urls", "charity.models.Project": a dotted path into a programme.
DOTTED_PATH = re.compile(rf"^({'|'.join(PROGRAMMES)})(\.[A-Za-z_][A-Za-z0-9_]*)+$")
# Calls that load a module or app by name: a bare "assistance" is a reference there only (a bare
# word elsewhere, such as an organisation type "charity", is a value, not a reference).
LOADERS = {"import_module", "include", "import_string", "__import__", "get_app_config", "find_spec",
           "autodiscover_modules"}


def _names_programme(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in PROGRAMMES


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                ids.add(id(body[0].value))
    return ids


def _installed_apps_nodes(tree: ast.AST) -> set[int]:
    """The string constants of ``INSTALLED_APPS = [...]`` (settings.py): configuration, allowed."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "INSTALLED_APPS" for t in targets):
                ids.update(id(c) for c in ast.walk(node.value) if isinstance(c, ast.Constant))
    return ids


def programme_references(source: str, *, filename: str = "<source>", allow_installed_apps: bool = False) -> list[str]:
    """Each place in ``source`` that imports or names a programme module, as ``line: what``."""
    tree = ast.parse(source, filename=filename)
    skip = _docstring_nodes(tree) | (_installed_apps_nodes(tree) if allow_installed_apps else set())
    loader_args = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if func in LOADERS:
                loader_args.update(id(a) for a in [*node.args, *(k.value for k in node.keywords)])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if _names_programme(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _names_programme(node.module):
            found.append(f"{node.lineno}: from {node.module} import …")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            value = node.value.strip()
            if DOTTED_PATH.match(value) or (value in PROGRAMMES and id(node) in loader_args):
                found.append(f"{node.lineno}: {node.value!r}")
    return found


def platform_modules() -> list[Path]:
    return sorted(p for p in PLATFORM.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_walk_sees_the_whole_platform():
    modules = {p.relative_to(ROOT).as_posix() for p in platform_modules()}
    assert len(modules) > 50
    for expected in ("civilaffairs/urls.py", "civilaffairs/api/routes.py", "civilaffairs/registry/demo.py",
                     "civilaffairs/celery.py", "civilaffairs/settings.py", "civilaffairs/audit/admin.py"):
        assert expected in modules


@pytest.mark.parametrize("path", platform_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_platform_module_imports_a_programme(path):
    found = programme_references(path.read_text(encoding="utf-8"), filename=str(path),
                                 allow_installed_apps=path == PLATFORM / "settings.py")
    assert found == [], f"{path.relative_to(ROOT)} reaches into a programme: {found}"


@pytest.mark.parametrize("source", [
    "import assistance",
    "import assistance.models as m",
    "from assistance.scoring.models import Lead",
    "def f():\n    from charity import models\n",
    "class C:\n    def m(self):\n        import eldercare.services\n",
    "from django.urls import include, path\nurlpatterns = [path('x/', include('assistance.urls'))]",
    "from importlib import import_module\nimport_module('childwelfare.tasks')",
    "import_string('assistance.models.Programme')",
    "SPECTACULAR = {'ENUM_NAME_OVERRIDES': {'X': 'assistance.models.RollStatus'}}",
    "WorkItem.objects.filter(subject_type='assistance.application')",
    "INSTALLED_APPS = ['assistance.scoring']",  # allowed only in settings.py
    "from importlib import import_module\nimport_module('charity')",
    "apps.get_app_config('assistance')",
])
def test_the_check_catches_every_kind_of_reference(source):
    assert programme_references(source)


@pytest.mark.parametrize("source", [
    '"""A docstring may say assistance.models.Programme in prose."""',
    "from civilaffairs.registry import demo",
    "from . import assistance_like",
    "label = 'assistance is a word in a sentence'",
    "code = 'charity_staff'",
    "ORGANISATION_TYPES = [('charity', '慈善组织')]",
])
def test_the_check_lets_the_platform_talk_about_programmes(source):
    assert programme_references(source) == []


def test_installed_apps_in_settings_is_configuration():
    source = "INSTALLED_APPS = ['civilaffairs.portal', 'assistance', 'charity']"
    assert programme_references(source, allow_installed_apps=True) == []
    assert programme_references(source + "\nX = 'assistance.urls'", allow_installed_apps=True) == ["2: 'assistance.urls'"]

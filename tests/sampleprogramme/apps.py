import importlib
import pkgutil

from django.apps import AppConfig


def registration_modules() -> list:
    """Every ``tests.sampleprogramme.reg_*`` module, by name."""
    from tests import sampleprogramme

    return [importlib.import_module(f"{sampleprogramme.__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(sampleprogramme.__path__), key=lambda i: i.name)
            if info.name.startswith("reg_")]


class SampleProgrammeConfig(AppConfig):
    name = "tests.sampleprogramme"
    label = "sampleprogramme"
    verbose_name = "样例业务（测试）"

    def ready(self):
        for module in registration_modules():
            module.register()

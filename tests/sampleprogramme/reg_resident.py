"""A section on the resident home (civilaffairs.portal.registry)."""
from civilaffairs.portal.registry import register_resident_section, unregister_resident_section

HEADING = "样例业务办理情况"


def render(*, request, household):
    if household is None:
        return None
    return "sampleprogramme/resident_section.html", {"heading": HEADING, "household": household}


def register() -> None:
    register_resident_section("sample.section", render, order=900)


def unregister() -> None:
    unregister_resident_section("sample.section")

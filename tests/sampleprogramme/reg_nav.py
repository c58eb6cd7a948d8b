"""Navigation entries and home cards: staff holding a capability, and residents."""
from civilaffairs import programmes
from civilaffairs.accounts.roles import Capability
from civilaffairs.programmes import Audience

STAFF_LABEL = "样例业务"
RESIDENT_LABEL = "我的样例"
STAFF_CARD = "样例业务工作台"
RESIDENT_CARD = "办理样例业务"
# Only staff who may read the audit log (the city administrator, superusers) see the staff entry.
STAFF_CAPABILITY = Capability.VIEW_AUDIT


def register() -> None:
    programmes.register_nav("sample.staff", label=STAFF_LABEL, url_name="sample:index", audience=Audience.STAFF,
                            capability=STAFF_CAPABILITY, order=35)
    programmes.register_nav("sample.resident", label=RESIDENT_LABEL, url_name="sample:resident",
                            audience=Audience.RESIDENT, order=55)
    programmes.register_home_card("sample.staff", title=STAFF_CARD, url_name="sample:index", audience=Audience.STAFF,
                                  description="样例业务的说明", order=900)
    programmes.register_home_card("sample.resident", title=RESIDENT_CARD, url_name="sample:resident",
                                  audience=Audience.RESIDENT, order=900)


def unregister() -> None:
    for key in ("sample.staff", "sample.resident"):
        programmes.unregister_nav(key)
        programmes.unregister_home_card(key)

"""A demo step: seeding and resetting each leave an audit event (the sample has no tables)."""
from civilaffairs import programmes


def seed(*, demo, log=None) -> None:
    from civilaffairs.audit.services import audit_log

    audit_log(actor=None, action="sample.demo_seeded", object_type="sample.demo",
              after={"household_ids": list(demo.household_ids), "home_community": demo.home_community,
                     "today": demo.today.isoformat() if demo.today else None})


def reset(*, demo, log=None) -> None:
    from civilaffairs.audit.services import audit_log

    audit_log(actor=None, action="sample.demo_reset", object_type="sample.demo",
              after={"household_ids": list(demo.household_ids)})


def register() -> None:
    programmes.register_demo_step("sample", seed=seed, reset=reset, order=900)


def unregister() -> None:
    programmes.unregister_demo_step("sample")

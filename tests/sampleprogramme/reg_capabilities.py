"""The sample programme's capabilities: one, held by grid workers and township officers."""
from civilaffairs.accounts.roles import Role, capability_register, capability_unregister

CAPABILITY = "sampleprogramme.visit"


def register() -> None:
    capability_register(CAPABILITY, "示例项目：入户走访", roles=[Role.GRID_WORKER, Role.TOWNSHIP_OFFICER])


def unregister() -> None:
    capability_unregister(CAPABILITY)

"""An audit area: the sample's ``sample.*`` events get their own filter in the audit admin."""
from civilaffairs import programmes

LABEL = "样例业务"


def register() -> None:
    programmes.register_audit_area("sample", label=LABEL, order=900)


def unregister() -> None:
    programmes.unregister_audit_area("sample")

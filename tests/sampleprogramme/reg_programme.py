"""The programme itself and its pages (/sample/)."""
from civilaffairs import programmes

CODE = "sample"
NAME = "样例业务"


def register() -> None:
    programmes.register_programme(CODE, name=NAME, order=900)
    programmes.register_urls("sample/", "tests.sampleprogramme.urls")


def unregister() -> None:
    programmes.unregister_programme(CODE)
    programmes.unregister_urls("sample/")

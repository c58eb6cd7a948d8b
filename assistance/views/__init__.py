"""Pages of social assistance casework, split by side: the resident's application,
the resident's own records, caseworkers' casework, money and reviews."""
from .apply import (  # noqa: F401
    apply_materials, apply_members, apply_on_behalf, apply_programmes, apply_review, apply_start, apply_submit,
)
from .casework import (  # noqa: F401
    application_act, application_detail, application_export, application_list_view, decision_letter,
    file_search, household_360, report_detail,
)
from .money import (  # noqa: F401
    review_complete, review_list, subsidy_rounds,
)
from .resident import (  # noqa: F401
    application_resubmit, application_withdraw, index, material_download, material_remove, material_replace,
    material_upload, my_applications,
)

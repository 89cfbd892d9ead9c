"""Case services, the only way other domains reach cases.

`from hotline.cases import services` then `services.get_case(...)`, `services.set_case_status(...)`.
Every service takes the acting user as `actor`, flushes and never commits; the caller commits once.
"""

from hotline.cases.services.common import (
    CaseClosed,
    CaseError,
    CaseFacts,
    InvalidTransition,
    VersionConflict,
    format_reference,
    parse_reference,
)
from hotline.cases.services.persons import (
    PersonData,
    add_person,
    age_range_for,
    get_person,
    record_person_view,
    update_person,
)
from hotline.cases.services.reading import (
    get_assignee,
    get_case,
    get_case_by_reference,
    list_assignees,
    list_history,
    load_case_for_detail,
    record_case_view,
)
from hotline.cases.services.search import (
    SORTS,
    CaseFilter,
    CaseMatch,
    counts_by_status,
    find_matching_cases,
    is_overdue,
    list_cases,
    record_search,
)
from hotline.cases.services.workflow import (
    add_note,
    assign_case,
    close_case,
    next_reference,
    open_case,
    reopen_case,
    set_case_status,
    triage_case,
    update_case,
)

__all__ = [
    "SORTS",
    "CaseClosed",
    "CaseError",
    "CaseFacts",
    "CaseFilter",
    "CaseMatch",
    "InvalidTransition",
    "PersonData",
    "VersionConflict",
    "add_note",
    "add_person",
    "age_range_for",
    "assign_case",
    "close_case",
    "counts_by_status",
    "find_matching_cases",
    "format_reference",
    "get_assignee",
    "get_case",
    "get_case_by_reference",
    "get_person",
    "is_overdue",
    "list_assignees",
    "list_cases",
    "list_history",
    "load_case_for_detail",
    "next_reference",
    "open_case",
    "parse_reference",
    "record_case_view",
    "record_person_view",
    "record_search",
    "reopen_case",
    "set_case_status",
    "triage_case",
    "update_case",
    "update_person",
]

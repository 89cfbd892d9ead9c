"""Data-subject services: the register, search, export, correction, anonymisation and retention.

`from hotline.subjects import services`. Every service takes the acting user as `actor` (None for
the retention command), flushes and never commits; the caller commits once (the retention command
once per case).
"""

from hotline.subjects.services.actions import anonymise_subject, correct_subject
from hotline.subjects.services.common import (
    MAX_RECORDS,
    REASON_MAX,
    REASON_MIN,
    SubjectError,
    check_reason,
    get_person,
    get_persons,
    list_requests,
    parse_person_ids,
)
from hotline.subjects.services.export import WITHHELD, build_export, export_subject
from hotline.subjects.services.retention import (
    RetentionOutcome,
    apply_retention,
    list_due_cases,
    record_retention_run,
    retention_cutoff,
)
from hotline.subjects.services.search import SearchResult, find_persons, record_search

__all__ = [
    "MAX_RECORDS",
    "REASON_MAX",
    "REASON_MIN",
    "WITHHELD",
    "RetentionOutcome",
    "SearchResult",
    "SubjectError",
    "anonymise_subject",
    "apply_retention",
    "build_export",
    "check_reason",
    "correct_subject",
    "export_subject",
    "find_persons",
    "get_person",
    "get_persons",
    "list_due_cases",
    "list_requests",
    "parse_person_ids",
    "record_retention_run",
    "record_search",
    "retention_cutoff",
]

"""Labels of the coded values of cases and persons (templates get them through context processors)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from hotline.cases.models import (
    CaseStatus,
    CloseReason,
    Consent,
    DecisionBody,
    DocumentType,
    Gender,
    Indicator,
    MigrationStatus,
    PersonRole,
    RecruiterRelation,
    Risk,
    SuspectRole,
    TraffickingStatus,
)

STATUS_LABELS = {
    CaseStatus.NEW: _l("New"),
    CaseStatus.TRIAGED: _l("Triaged"),
    CaseStatus.REFERRED: _l("Referred"),
    CaseStatus.CLOSED: _l("Closed"),
}
RISK_LABELS = {Risk.URGENT: _l("Urgent"), Risk.HIGH: _l("High"), Risk.NORMAL: _l("Normal")}
INDICATOR_LABELS = {
    Indicator.FALSE_JOB_OFFER: _l("Recruited with a false job offer"),
    Indicator.DOCUMENTS_WITHHELD: _l("Identity documents withheld"),
    Indicator.DEBT: _l("Debt that cannot be paid off"),
    Indicator.CANNOT_LEAVE: _l("Cannot leave the place or the job"),
    Indicator.MINOR_IN_BARS_OR_MINES: _l("Minor working in bars, night clubs or mines"),
    Indicator.WAGES_WITHHELD: _l("Wages withheld or not paid"),
    Indicator.THREATS_OR_VIOLENCE: _l("Threats or violence against the person or the family"),
    Indicator.EXCESSIVE_HOURS: _l("Excessive working hours"),
    Indicator.MOVED_FAR_FROM_HOME: _l("Taken to another region or country"),
    Indicator.ISOLATED_OR_WATCHED: _l("Isolated, locked in or watched"),
    Indicator.SEXUAL_SERVICES_FORCED: _l("Forced to provide sexual services"),
    Indicator.DRUGS_OR_ALCOHOL: _l("Made to use drugs or alcohol"),
    Indicator.RECRUITED_ONLINE: _l("Recruited through social networks or apps"),
    Indicator.NEEDS_HEALTH_CARE: _l("Needs health care (injured, ill, pregnant, in shock)"),
}
CLOSE_REASON_LABELS = {
    CloseReason.REFERRED_AND_ATTENDED: _l("Referred and attended by a partner"),
    CloseReason.NOT_TRAFFICKING: _l("Not a trafficking situation"),
    CloseReason.DUPLICATE: _l("Duplicate of another case"),
    CloseReason.NO_CONTACT: _l("No further contact possible"),
    CloseReason.INSUFFICIENT_INFORMATION: _l("Not enough information to act"),
    CloseReason.OTHER: _l("Other reason"),
}
PERSON_ROLE_LABELS = {
    PersonRole.VICTIM: _l("Victim"),
    PersonRole.SUSPECT: _l("Suspect"),
    PersonRole.WITNESS: _l("Witness"),
    PersonRole.CALLER: _l("Caller"),
}
GENDER_LABELS = {
    Gender.FEMININE: _l("Female"),
    Gender.MASCULINE: _l("Male"),
    Gender.TRANSGENDER_FEMININE: _l("Transgender woman"),
    Gender.TRANSGENDER_MASCULINE: _l("Transgender man"),
    Gender.NON_CONFORMING: _l("Non-binary / gender non-conforming"),
    Gender.UNKNOWN: _l("Not known"),
}
MIGRATION_LABELS = {
    MigrationStatus.REGULAR: _l("Regular"),
    MigrationStatus.IRREGULAR: _l("Irregular"),
    MigrationStatus.ASYLUM_OR_REFUGEE: _l("Asylum seeker or refugee"),
    MigrationStatus.IN_PROCESS: _l("Regularisation in process"),
    MigrationStatus.UNKNOWN: _l("Not known"),
}
DOCUMENT_LABELS = {
    DocumentType.DNI: _l("DNI"),
    DocumentType.FOREIGNER_CARD: _l("Foreigner's card (CE)"),
    DocumentType.PASSPORT: _l("Passport"),
    DocumentType.PTP: _l("Temporary permit (PTP/CPP)"),
    DocumentType.OTHER: _l("Other document"),
}
TRAFFICKING_STATUS_LABELS = {
    TraffickingStatus.POSSIBLE: _l("Possible victim of trafficking"),
    TraffickingStatus.ACTUAL: _l("Victim of trafficking"),
    TraffickingStatus.NOT_A_VICTIM: _l("Not a victim of trafficking"),
}
DECISION_BODY_LABELS = {
    DecisionBody.POLICE: _l("Police"),
    DecisionBody.NGO: _l("NGO"),
    DecisionBody.COURT_OR_PROSECUTION: _l("Court or prosecutor"),
    DecisionBody.NON_POLICE_GOVERNMENT: _l("Other government body"),
    DecisionBody.OTHER: _l("Other"),
}
RECRUITER_RELATION_LABELS = {
    RecruiterRelation.INTIMATE_PARTNER: _l("Partner or ex-partner"),
    RecruiterRelation.FRIEND: _l("Friend or acquaintance"),
    RecruiterRelation.FAMILY: _l("Family member"),
    RecruiterRelation.OTHER: _l("Other (e.g. employer, stranger)"),
    RecruiterRelation.UNKNOWN: _l("Not known"),
}
CONSENT_LABELS = {
    Consent.YES: _l("Yes, agrees to share with partners"),
    Consent.NO: _l("No, does not agree"),
    Consent.NOT_ASKED: _l("Not asked yet"),
}
SUSPECT_ROLE_LABELS = {
    SuspectRole.RECRUITER: _l("Recruiter or intermediary"),
    SuspectRole.TRANSPORTER: _l("Transporter"),
    SuspectRole.EXPLOITER: _l("Exploiter"),
    SuspectRole.HARBOURER: _l("Harbours the victims"),
    SuspectRole.CONTROLLER: _l("Controls or watches the victims"),
    SuspectRole.BUYER_OR_SELLER: _l("Buys or sells people"),
    SuspectRole.SMUGGLER: _l("Smuggler"),
    SuspectRole.OTHER: _l("Other role"),
}
HISTORY_ACTION_LABELS = {
    "opened": _l("Opened"),
    "updated": _l("Facts changed"),
    "triaged": _l("Triage"),
    "assigned": _l("Assignment"),
    "status": _l("Status changed"),
    "closed": _l("Closed"),
    "reopened": _l("Reopened"),
    "person_added": _l("Person added"),
    "person_updated": _l("Person changed"),
    "person_corrected": _l("Person corrected (data-subject request)"),
    "person_anonymised": _l("Person anonymised"),
    "case_anonymised": _l("Case anonymised (retention)"),
}
HISTORY_FIELD_LABELS = {
    "status": _l("Status"),
    "risk": _l("Risk"),
    "region_ubigeo": _l("Region"),
    "province_ubigeo": _l("Province"),
    "location": _l("Place"),
    "exploitation_forms": _l("Forms of exploitation"),
    "indicators": _l("Indicators"),
    "victim_count": _l("Number of victims"),
    "has_minors": _l("Minors involved"),
    "victim_nationalities": _l("Victims' nationalities"),
    "narrative": _l("What happened"),
    "assigned_to": _l("Assigned to"),
    "close_reason": _l("Reason for closing"),
    "role": _l("Role"),
    "name": _l("Name"),
    "alias": _l("Alias"),
    "gender": _l("Sex / gender"),
    "age": _l("Age"),
    "age_range": _l("Age range"),
    "nationalities": _l("Nationality"),
    "migration_status": _l("Migration status"),
    "language": _l("Language"),
    "is_interpreter_needed": _l("Needs an interpreter"),
    "document_type": _l("Identity document"),
    "document_number": _l("Document number"),
    "phone": _l("Phone"),
    "address": _l("Address"),
    "details": _l("Other details"),
    "trafficking_status": _l("Trafficking status"),
    "trafficking_status_decided_by": _l("Decided by"),
    "recruiter_relation": _l("Relation of the recruiter"),
    "consent": _l("Consent to share"),
    "suspect_roles": _l("Role of the suspect"),
}


def history_value(field: str | None, value: str | None) -> str:
    """A history value for people: coded values through their labels, lists item by item."""
    if value is None or value == "":
        return "—"
    name = (field or "").rsplit(".", 1)[-1]
    labels: dict[Any, Any] | None = {
        "status": STATUS_LABELS,
        "risk": RISK_LABELS,
        "close_reason": CLOSE_REASON_LABELS,
        "indicators": INDICATOR_LABELS,
        "role": PERSON_ROLE_LABELS,
        "gender": GENDER_LABELS,
        "migration_status": MIGRATION_LABELS,
        "document_type": DOCUMENT_LABELS,
        "trafficking_status": TRAFFICKING_STATUS_LABELS,
        "trafficking_status_decided_by": DECISION_BODY_LABELS,
        "recruiter_relation": RECRUITER_RELATION_LABELS,
        "consent": CONSENT_LABELS,
        "suspect_roles": SUSPECT_ROLE_LABELS,
    }.get(name)
    if name in ("has_minors", "is_interpreter_needed"):
        return str({"yes": _l("Yes"), "no": _l("No")}.get(value, value))
    if labels is None:
        return value
    by_value = {getattr(k, "value", k): v for k, v in labels.items()}
    return ", ".join(str(by_value.get(item, item)) for item in value.split(","))

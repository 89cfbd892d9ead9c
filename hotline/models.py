"""Every domain's models, imported in one place for Alembic and `flask shell`."""

from hotline.audit.models import AuditEvent
from hotline.auth.models import User, UserSession
from hotline.calls.models import Call
from hotline.partners.models import Partner
from hotline.reference.models import ExploitationForm, Province, Region

__all__ = ["AuditEvent", "Call", "ExploitationForm", "Partner", "Province", "Region", "User", "UserSession"]

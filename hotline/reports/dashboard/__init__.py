"""The managers' dashboard and the referral figures it shares with the working-group report.

`figures` holds the data classes, `queries` the contacts, cases and victims (and `build_dashboard`),
`referrals` the referral quality, statuses, outcomes and acknowledgement times. The modules of this
package never import the package itself (so there is no circle of imports).
"""

from hotline.reports.dashboard.figures import (
    UNKNOWN,
    AckTimes,
    Dashboard,
    PartnerRow,
    Quality,
    TimeSeries,
    month_keys,
    period_keys,
)
from hotline.reports.dashboard.queries import build_dashboard
from hotline.reports.dashboard.referrals import (
    NOT_REVOKED,
    ack_times,
    outcomes_by_partner,
    quality_by_partner,
    quality_by_partner_and_month,
    quality_total,
)

__all__ = [
    "NOT_REVOKED",
    "UNKNOWN",
    "AckTimes",
    "Dashboard",
    "PartnerRow",
    "Quality",
    "TimeSeries",
    "ack_times",
    "build_dashboard",
    "month_keys",
    "outcomes_by_partner",
    "period_keys",
    "quality_by_partner",
    "quality_by_partner_and_month",
    "quality_total",
]

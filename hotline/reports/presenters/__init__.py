"""Turn report figures into what the templates show: labelled charts and tables, in the user's language.

`names` loads the names of regions, forms and partners; `blocks` builds a chart with its data table;
`page` lays out the dashboard section by section, `referrals` its referral charts. The modules of
this package never import the package itself (so there is no circle of imports).
"""

from hotline.reports.presenters.names import (
    Labels,
    form_choices,
    load_labels,
    partner_choices,
    region_choices,
)
from hotline.reports.presenters.page import build_page
from hotline.reports.presenters.published import build_published_page
from hotline.reports.presenters.referrals import OUTCOME_NAMES

__all__ = [
    "OUTCOME_NAMES",
    "Labels",
    "build_page",
    "build_published_page",
    "form_choices",
    "load_labels",
    "partner_choices",
    "region_choices",
]

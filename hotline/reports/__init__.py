"""Reports for managers and coordinators: dashboards, the working-group report and exports.

This package only reads: it never changes a domain row. The one thing it writes is the audit row
of each export (`report.export`, `report.export_identifiable`, `report.working_group`).

Bottom up: `sql`, `filters` and `disclosure` (engine-neutral SQL, the filters, small numbers);
`conditions` (the rows a filter selects); `charts` and `tilemap` (drawing); then `dashboard`,
`exports` and `working_group` (the figures and files), `presenters` (the dashboard page) and `views`.
"""

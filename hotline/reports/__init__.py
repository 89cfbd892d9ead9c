"""Reports for managers and coordinators: dashboards, the working-group report and exports.

This package only reads: it never changes a domain row. The one thing it writes is the audit row
of each export (`report.export`, `report.export_identifiable`, `report.working_group`).
"""

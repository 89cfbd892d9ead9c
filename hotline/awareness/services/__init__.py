"""The public site's services: its content pages (`pages`) and anonymous web tips (`tips`).

`from hotline.awareness import services` then `services.get_page(...)`, `services.file_tip(...)`.
Tips reach case data only through `calls.services`; the site reads nothing else but reference lists.
"""

from hotline.awareness.services.pages import (
    CONTENT_DIR,
    LANGUAGES,
    SLUGS,
    ContentError,
    Destination,
    Page,
    clear_page_cache,
    fill_placeholders,
    get_facts,
    get_page,
    list_destinations,
    list_pages,
    parse_front_matter,
    phone_target,
    read_page_source,
    render_markdown,
    render_page,
    source_dates,
)
from hotline.awareness.services.tips import (
    AT_RISK_GROUPS,
    REGION_UNKNOWN,
    call_id_from_reference,
    compose_tip_summary,
    decoy_reference,
    file_tip,
    region_choices,
    tip_reference,
)

__all__ = [
    "AT_RISK_GROUPS",
    "CONTENT_DIR",
    "LANGUAGES",
    "REGION_UNKNOWN",
    "SLUGS",
    "ContentError",
    "Destination",
    "Page",
    "call_id_from_reference",
    "clear_page_cache",
    "compose_tip_summary",
    "decoy_reference",
    "file_tip",
    "fill_placeholders",
    "get_facts",
    "get_page",
    "list_destinations",
    "list_pages",
    "parse_front_matter",
    "phone_target",
    "read_page_source",
    "region_choices",
    "render_markdown",
    "render_page",
    "source_dates",
    "tip_reference",
]

"""The OpenAPI document (`/api/v1/openapi.json`) and a readable page made from it on the server
(`/api/v1/docs`: plain HTML, no script, nothing from another site). Both describe the API and hold
no data, so they are public."""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template

from hotline.access import public

docs_bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")
API_EXTENSION = "hotline-api"

# Where the next request's parameters come from (OpenAPI links: schemathesis follows them).
LINKS = {
    ("/referrals", "get", "200"): {
        "GetFirstReferral": {
            "operationId": "api.get_referral",
            "parameters": {"referral_id": "$response.body#/items/0/id"},
        }
    },
    ("/referrals/{referral_id}", "get", "200"): {
        name: {
            "operationId": f"api.{op}",
            "parameters": {"referral_id": "$request.path.referral_id"},
            "requestBody": {"version": "$response.body#/version"},  # merged into the rest of the body
        }
        for name, op in (
            ("Acknowledge", "acknowledge"),
            ("Accept", "accept"),
            ("Decline", "decline"),
            ("PostUpdate", "post_update"),
            ("RecordOutcome", "record_outcome"),
            ("AddCaseNumber", "add_case_number"),
        )
    },
    ("/webhooks", "post", "201"): {
        "DeleteWebhook": {
            "operationId": "api.delete_webhook",
            "parameters": {"webhook_id": "$response.body#/id"},
        }
    },
}


def build_spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document: flask-smorest's, with operation ids, bearer security and links."""
    spec = copy.deepcopy(current_app.extensions[API_EXTENSION].spec.to_dict())
    spec["info"]["description"] = (
        "The hotline's partner API. Send your key as `Authorization: Bearer <key>`. Errors are RFC 9457 "
        "problem details. Every change names the `version` it is based on and may carry an "
        "`Idempotency-Key`."
    )
    spec.setdefault("components", {})["securitySchemes"] = {
        "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A key issued by the hotline."}
    }
    spec["security"] = [{"bearerAuth": []}]
    spec["paths"] = {
        path.replace("/api/v1", "", 1): item
        for path, item in spec.get("paths", {}).items()
        if path != "/api/v1/{anything}"  # the catch-all that answers unknown addresses with a 404 problem
    }
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
        for method in rule.methods or ():
            operation = spec["paths"].get(path, {}).get(method.lower())
            if isinstance(operation, dict):
                operation["operationId"] = rule.endpoint
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation.pop("tags", None)
            operation["tags"] = ["referrals" if path.startswith("/referrals") else "webhooks"]
            for status, response in operation["responses"].items():
                links = LINKS.get((path, method, str(status)))
                if links:
                    response["links"] = links
    spec["servers"] = [{"url": "/api/v1"}]
    spec["tags"] = [{"name": "referrals"}, {"name": "webhooks"}]
    return spec


@docs_bp.route("/openapi.json")
@public
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(build_spec())


@docs_bp.route("/docs")
@public
def docs():  # type: ignore[no-untyped-def]
    spec = build_spec()
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    ]
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations,
        schemas=spec.get("components", {}).get("schemas", {}),
    )


__all__ = ["build_spec", "docs_bp"]

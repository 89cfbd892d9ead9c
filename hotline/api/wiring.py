"""Plugging the API into an app (`create_app` calls `init_api`): flask-smorest for the OpenAPI
document, the blueprints, no CSRF for bearer-key calls, and no cookies on /api/ requests."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from hotline.api.admin import admin_bp
from hotline.api.docs import API_EXTENSION, docs_bp
from hotline.api.problems import PROBLEM_TYPE
from hotline.api.schemas import ProblemSchema
from hotline.api.views import bp
from hotline.extensions import csrf

API_PREFIX = "/api/"


class HotlineApi(Api):
    """flask-smorest, with errors as problem details and no app-wide error handler of its own
    (the app's error pages stay as they are; the API blueprint answers its own errors)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error, as a problem", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


class NoCookies:
    """WSGI middleware: an /api/ request carries no cookie into the app, so a browser's session
    can never authorise an API call (keys only), whatever the views do."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if (environ.get("PATH_INFO") or "").startswith(API_PREFIX):
            environ.pop("HTTP_COOKIE", None)
        return self.wsgi_app(environ, start_response)


def init_api(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Hotline partner API")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("API_RATE_LIMIT", "120 per minute")  # config.py reads the environment
    app.config.setdefault("API_MAX_BODY_BYTES", 64 * 1024)
    app.config["OPENAPI_URL_PREFIX"] = None  # we serve the document ourselves (docs.py)
    api = HotlineApi(app)
    app.extensions[API_EXTENSION] = api
    csrf.exempt(bp)
    api.register_blueprint(bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(admin_bp)
    app.wsgi_app = NoCookies(app.wsgi_app)  # type: ignore[method-assign]

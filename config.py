"""Configuration classes. Secrets and URLs come from the environment (see .env.example)."""

from __future__ import annotations

import math
import os
import string
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _env_hours(name: str, default: dict[str, int]) -> dict[str, int]:
    """Read "urgent=2,high=24" style settings; a malformed value stops start-up."""
    raw = _env(name)
    if not raw:
        return dict(default)
    hours = dict(default)
    for part in raw.split(","):
        key, _, value = part.partition("=")
        if key.strip() not in default or not value.strip().isdigit() or int(value) < 1:
            raise RuntimeError(f"{name}: expected e.g. urgent=2,high=24,normal=72")
        hours[key.strip()] = int(value)
    return hours


def database_url(url: str) -> str:
    # psycopg 3 is the PostgreSQL driver; accept the plain scheme used by most hosts.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(_env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'hotline.db'}"))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Field encryption (Fernet keys, comma-separated: the first encrypts, all decrypt).
    HOTLINE_DATA_KEY = _env("HOTLINE_DATA_KEY")
    # Key of the blind indexes (exact search on encrypted values); defaults to one derived from the
    # last data key. Changing it requires re-indexing.
    HOTLINE_INDEX_KEY = _env("HOTLINE_INDEX_KEY")
    # Key of the audit trail's seal; defaults to one derived from the last data key.
    HOTLINE_AUDIT_KEY = _env("HOTLINE_AUDIT_KEY")

    HOTLINE_PUBLIC_URL = _env("HOTLINE_PUBLIC_URL", "http://127.0.0.1:5000")
    HOTLINE_PUBLIC_NUMBER = _env("HOTLINE_PUBLIC_NUMBER", "1818")
    HOTLINE_EMERGENCY_NUMBER = _env("HOTLINE_EMERGENCY_NUMBER", "105")

    TWILIO_ACCOUNT_SID = _env("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = _env("TWILIO_AUTH_TOKEN")
    TWILIO_FROM_NUMBER = _env("TWILIO_FROM_NUMBER")
    # Telephony (hotline/telephony): comma-separated E.164 numbers or sip: URIs rung together,
    # the line dialled when the app fails, "label=+51..." entries (;-separated) offered for warm
    # hand-offs, and the hours the operators answer ("24/7" or "08:00-20:00", Lima time).
    TWILIO_OPERATOR_NUMBERS = _env("TWILIO_OPERATOR_NUMBERS", "")
    TWILIO_BACKUP_NUMBER = _env("TWILIO_BACKUP_NUMBER")
    TWILIO_HANDOFF_NUMBERS = _env("TWILIO_HANDOFF_NUMBERS", "")
    HOTLINE_OPENING_HOURS = _env("HOTLINE_OPENING_HOURS", "24/7")
    # Telephony voices (from Twilio's current text-to-speech list) and the WhatsApp template used
    # outside the 24-hour window (a Content SID HX..., approved by WhatsApp).
    TWILIO_VOICE_ES = _env("TWILIO_VOICE_ES", "Polly.Lupe-Neural")
    TWILIO_VOICE_EN = _env("TWILIO_VOICE_EN", "Polly.Joanna-Neural")
    TWILIO_WHATSAPP_TEMPLATE_SID = _env("TWILIO_WHATSAPP_TEMPLATE_SID")
    # The browser softphone (Voice JavaScript SDK): an API key and the TwiML App whose voice URL is
    # /twilio/voice/client. With them set, callers wait in a queue for available operators.
    TWILIO_API_KEY_SID = _env("TWILIO_API_KEY_SID")
    TWILIO_API_KEY_SECRET = _env("TWILIO_API_KEY_SECRET")
    TWILIO_TWIML_APP_SID = _env("TWILIO_TWIML_APP_SID")
    TELEPHONY_QUEUE_ENABLED = _env("TELEPHONY_QUEUE_ENABLED", "0") in ("1", "true", "yes", "on")
    TELEPHONY_QUEUE_TIMEOUT_SECONDS = _env_int("TELEPHONY_QUEUE_TIMEOUT_SECONDS", 90)
    TELEPHONY_TOKEN_TTL_SECONDS = _env_int("TELEPHONY_TOKEN_TTL_SECONDS", 3600)
    # Media of inbound MMS/WhatsApp messages: encrypted files under this folder, at most this size.
    MEDIA_STORAGE_PATH = _env("MEDIA_STORAGE_PATH", str(INSTANCE_DIR / "media"))
    MEDIA_MAX_BYTES = _env_int("MEDIA_MAX_BYTES", 16 * 1024 * 1024)
    SMTP_URL = _env("SMTP_URL")
    REDIS_URL = _env("REDIS_URL")

    # Rate limiting: Redis when configured, else the database-free memory store (dev/test only).
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", REDIS_URL or "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "20 per minute; 100 per hour")
    TIP_RATE_LIMIT = _env("TIP_RATE_LIMIT", "5 per hour")

    # Sessions: the cookie carries only a signed session id; the row in user_sessions decides.
    SESSION_COOKIE_NAME = "hotline_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_IDLE_TIMEOUT = timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 15))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # Account lockout: this many failures within the window lock the account for the window.
    LOCKOUT_THRESHOLD = _env_int("LOCKOUT_THRESHOLD", 5)
    LOCKOUT_WINDOW = timedelta(minutes=_env_int("LOCKOUT_MINUTES", 15))

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the (server-side) session
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "es"
    BABEL_DEFAULT_TIMEZONE = "America/Lima"
    LANGUAGES = ("es", "en")

    HSTS = False
    # Number of trusted proxies in front of the app (X-Forwarded-For/Proto/Host); 0 = none.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    AUDIT_PAGE_SIZE = 50
    # Referrals (hotline/referrals): hours a partner has to acknowledge a referral, by the case's
    # risk; days a partner keeps read access to a referral after it was closed or declined.
    # Hours a partner has to acknowledge a referral, by risk: "urgent=2,high=24,normal=72".
    REFERRAL_ACK_HOURS = _env_hours("REFERRAL_ACK_HOURS", {"urgent": 2, "high": 24, "normal": 72})
    REFERRAL_PARTNER_ACCESS_DAYS = 180
    REPORTS_K_ANONYMITY = _env_int("REPORTS_K_ANONYMITY", 11)  # reports: smallest group in anonymised exports
    RETENTION_YEARS = _env_int("RETENTION_YEARS", 10)  # years after closing until `flask retention run`
    # Minutes a search by name, phone or document stays behind its opaque key (`/cases/?s=...`).
    SEARCH_KEY_TTL = timedelta(minutes=_env_int("SEARCH_KEY_TTL", 15))
    # Partner API (hotline/api): requests per key (Flask-Limiter syntax) and the largest JSON body.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT") or "120 per minute"
    API_MAX_BODY_BYTES = _env_int("API_MAX_BODY_BYTES", 64 * 1024)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = Config.SECRET_KEY or "dev-only-secret-key-change-me"
    # A fixed development key so `make run` works out of the box; production refuses to start without one.
    HOTLINE_DATA_KEY = Config.HOTLINE_DATA_KEY or "ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE="


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105  (tests only)
    HOTLINE_DATA_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdCE="
    # tests/conftest.py points this at a temporary SQLite file or at TEST_DATABASE_URL.
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    HOTLINE_PUBLIC_URL = "https://hotline.example.test"
    TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    TWILIO_AUTH_TOKEN = "test-auth-token"  # noqa: S105  (tests only)
    TWILIO_FROM_NUMBER = "+15005550006"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_NAME = "__Host-hotline_session"
    SESSION_COOKIE_SECURE = True
    HSTS = True
    PREFERRED_URL_SCHEME = "https"
    PROXY_COUNT = _env_int("PROXY_COUNT", 1)

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to start with missing, weak or published secrets, or a per-process rate-limit store."""
        missing = [k for k in ("SECRET_KEY", "HOTLINE_DATA_KEY") if not config.get(k)]
        if missing:
            raise RuntimeError("Missing required settings: " + ", ".join(missing))
        for problem in secret_problems(config):
            raise RuntimeError(problem)
        if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
            raise RuntimeError(
                "Production needs a shared rate-limit store: set REDIS_URL or RATELIMIT_STORAGE_URI"
            )


# Secrets ---------------------------------------------------------------------------------------

SECRET_SETTINGS = ("SECRET_KEY", "HOTLINE_DATA_KEY", "HOTLINE_INDEX_KEY", "HOTLINE_AUDIT_KEY")
MIN_SECRET_BITS = 256  # SECRET_KEY: at least 32 random bytes
_SCANNED_SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".example", ".html", ".sh", ".json"}
_SKIPPED_DIRS = {".venv", ".git", "instance", "node_modules", "__pycache__", "bench"}


def estimated_bits(secret: str) -> float:
    """A generous upper bound of a secret's randomness: its length times the bits of its alphabet."""
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    alphabet = sum(len(c) for c in classes if any(ch in c for ch in secret))
    if any(not any(ch in c for c in classes) for ch in secret):
        alphabet += 32
    distinct = len(set(secret))
    if alphabet < 2 or distinct < 8:
        return 0.0
    return len(secret) * math.log2(alphabet)


def published_values() -> set[str]:
    """The secrets shipped with the code (development and test values, examples)."""
    values = {DevelopmentConfig.SECRET_KEY, TestConfig.SECRET_KEY, TestConfig.HOTLINE_DATA_KEY}
    values.add(DevelopmentConfig.HOTLINE_DATA_KEY)
    return {v for v in values if v}


def _in_repository(value: str) -> bool:
    """True when `value` is written in any source or documentation file of this checkout."""
    for root, dirs, files in os.walk(BASE_DIR):
        dirs[:] = [d for d in dirs if d not in _SKIPPED_DIRS]
        for name in files:
            path = Path(root, name)
            if path.suffix not in _SCANNED_SUFFIXES and not name.startswith(".env"):
                continue
            try:
                if value in path.read_text("utf-8", errors="ignore"):
                    return True
            except OSError:
                continue
    return False


def secret_problems(config: dict) -> list[str]:
    """What is wrong with the secrets, naming the setting and never its value."""
    problems: list[str] = []
    published = published_values()
    secret_key = str(config.get("SECRET_KEY") or "")
    if secret_key and estimated_bits(secret_key) < MIN_SECRET_BITS:
        problems.append(
            "SECRET_KEY is too weak: use at least 32 random bytes, e.g. "
            'python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    for name in SECRET_SETTINGS:
        raw = str(config.get(name) or "")
        for part in filter(None, (p.strip() for p in raw.split(","))):
            if part in published or _in_repository(part):
                problems.append(
                    f"{name} is a published value (it is written in the code): generate a new one"
                )
                break
    return problems


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}

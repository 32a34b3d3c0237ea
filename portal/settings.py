"""The only settings module of Tianfu Atlas.

Values come from environment variables read through :mod:`portal.env` (documented in
``.env.example``). ``TIANFU_MODE`` selects defaults: ``production`` (the default) requires
``TIANFU_SECRET_KEY``, ``TIANFU_ALLOWED_HOSTS`` and ``DATABASE_URL``; ``demo`` and ``test`` fall
back to the local database that ``make demo`` / ``make test`` create, and to a fixed development
key.
"""

import ipaddress
from pathlib import Path

import pghistory
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from portal import env
from portal.core.csp import origin as csp_origin
from portal.core.csp import tile_origins

BASE_DIR = Path(__file__).resolve().parent.parent

MODE = env.get_choice("TIANFU_MODE", ("production", "demo", "test"), "production")
_LOCAL = MODE in {"demo", "test"}
_LOCAL_DATABASE_URL = "postgresql://tianfu:tianfu@127.0.0.1:5432/tianfu"
_WHY = f" when TIANFU_MODE={MODE}"

DEBUG = env.get_bool("TIANFU_DEBUG", default=False)
SECRET_KEY = env.get_str(
    "TIANFU_SECRET_KEY",
    default="insecure-local-demo-and-test-key-never-used-in-production" if _LOCAL else None,
    why=_WHY,
)
ALLOWED_HOSTS = env.get_list(
    "TIANFU_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if _LOCAL else None, why=_WHY
)
CSRF_TRUSTED_ORIGINS = env.get_list("TIANFU_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # First, so its templates (admin branding) override the admin's own.
    "portal.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "procrastinate.contrib.django",
    "pgtrigger",
    "pghistory",
    # Before portal.accounts, whose admin replaces their admin pages (autodiscovery order).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "portal.org",
    "portal.accounts",
    "portal.audits",
    "portal.buildings",
    "portal.parcels",
    "portal.assets",
    "portal.depots",
    "portal.fleet",
    "portal.costs",
    "portal.ledgers",
    "portal.exchange",
    "portal.demo",
    "portal.maps",
    "portal.features",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.core.middleware.RequestIdMiddleware",
    # Before the sessions, which read the database: 503 with a clear page while it is down.
    "portal.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.accounts.middleware.AccountPolicyMiddleware",
    "portal.audits.middleware.DownloadAuditMiddleware",
    "portal.core.history.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it turns a lockout flagged while the view ran into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.core.context_processors.site",
            ],
        },
    },
]

_db = env.parse_database_url(
    env.get_str("DATABASE_URL", default=_LOCAL_DATABASE_URL if _LOCAL else None, why=_WHY)
)
DATABASES = {
    "default": {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": _db.name,
        "USER": _db.user,
        "PASSWORD": _db.password,
        "HOST": _db.host,
        "PORT": _db.port,
        # Persistent connections, checked before reuse so the portal recovers on its own after
        # PostgreSQL restarts.
        "CONN_MAX_AGE": env.get_int("TIANFU_DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "connect_timeout": env.get_int("TIANFU_DB_CONNECT_TIMEOUT", 5),
            # No JIT compilation: PostGIS functions declare high costs, so a map tile or a bbox
            # page of a few thousand rows crosses jit_above_cost and spends 100-500 ms compiling
            # a query that runs in 10-300 ms (measured on vector tiles of the full demo scale).
            "options": "-c jit=off",
        },
        # PostGIS is not a trusted extension, so an unprivileged role cannot create it in a fresh
        # test database; `make test` prepares a template that already has it.
        "TEST": {
            "TEMPLATE": env.get_str("TIANFU_TEST_DB_TEMPLATE", default=f"{_db.name}_template"),
            # Lets two test runs share one server without dropping each other's database.
            "NAME": env.get_str("TIANFU_TEST_DB_NAME", default="") or None,
        },
    }
}
# Progress of a long import is written on a connection of its own: the import's transaction
# keeps its rows invisible until it ends, but the progress bar must move while it runs.
DATABASES["progress"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.accounts.validators.CharacterClassValidator"},
    {"NAME": "portal.accounts.validators.PasswordHistoryValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
# Django's own zh-Hans input formats contain '%Y年%n月%j日', which strptime rejects.
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.get_str("TIANFU_STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.get_str("TIANFU_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Tests read static files straight from the apps; served builds use hashed names.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if MODE == "test"
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = MODE == "test"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.get_int("TIANFU_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above is then an idle timeout
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env.get_bool("TIANFU_HTTPS", default=False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Only allows the host to be submitted to the browsers' preload list (a separate, manual step
    # at hstspreload.org that an intranet host cannot take); includeSubDomains above already
    # commits every subdomain to HTTPS.
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Accounts (portal.accounts): password policy, lockout, second factor, single sign-on --------

# Passwords: the last N are refused again (0: no history); one older than the age must be
# changed at the next sign-in (0: never expires; the default in demo mode, whose accounts share
# a published password that must keep working).
TIANFU_PASSWORD_HISTORY = env.get_int("TIANFU_PASSWORD_HISTORY", 5)
TIANFU_PASSWORD_MAX_AGE_DAYS = env.get_int(
    "TIANFU_PASSWORD_MAX_AGE_DAYS", 0 if MODE == "demo" else 90
)
# Lockout (django-axes): failures are counted per user name and client address together,
# existing account or not, so the answer never tells whether an account exists; a failed
# second-factor code counts too. Counting by name alone let anyone keep a known name (the
# administrators') locked for ever; now a guesser locks that name from their own address only,
# and a guesser rotating addresses gets a fresh count on each (docs/operations.md, Accounts).
TIANFU_LOGIN_FAILURE_LIMIT = env.get_int("TIANFU_LOGIN_FAILURE_LIMIT", 5)
TIANFU_LOGIN_LOCKOUT_MINUTES = env.get_int("TIANFU_LOGIN_LOCKOUT_MINUTES", 30)
for _name, _least in (
    ("TIANFU_PASSWORD_HISTORY", 0),
    ("TIANFU_PASSWORD_MAX_AGE_DAYS", 0),
    ("TIANFU_LOGIN_FAILURE_LIMIT", 1),
    ("TIANFU_LOGIN_LOCKOUT_MINUTES", 1),
):
    if globals()[_name] < _least:
        raise env.ConfigError(f"{_name}={globals()[_name]} must be at least {_least}")
# Roles that must enrol a second factor (TOTP) before anything else; checked by portal.accounts.
TIANFU_OTP_REQUIRED_ROLES = env.get_list(
    "TIANFU_OTP_REQUIRED_ROLES",
    default=[] if _LOCAL else ["system_admin", "security_admin", "audit_admin", "province_admin"],
)

AUTHENTICATION_BACKENDS = [
    # First: refuses every attempt on a locked user name before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Answers only the single sign-on callback, and only when TIANFU_OIDC_* is configured.
    "portal.accounts.backends.ProvincialIdentityBackend",
]
AXES_FAILURE_LIMIT = TIANFU_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = "portal.accounts.lockout.cool_off"  # TIANFU_LOGIN_LOCKOUT_MINUTES
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address as the security audit reads it (X-Forwarded-For from TIANFU_TRUSTED_PROXIES
# only), so a lockout and the audit name the same address and a forged header changes neither.
AXES_CLIENT_IP_CALLABLE = "portal.audits.addresses.client_ip"
# Masked in AccessAttempt.get_data/post_data and in axes's log lines: what was typed as a
# password or one-time code, and the form's CSRF token (username and address are axes's own).
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password",
    "old_password",
    "new_password1",
    "new_password2",
    "password1",
    "password2",
    "code",
    "otp_token",
    "csrfmiddlewaretoken",
]
AXES_LOCKOUT_CALLABLE = "portal.accounts.lockout.lockout_response"
# A sign-in with the password does not clear earlier failures: the second factor comes after
# it, and a reset there would let its codes be guessed without end.
AXES_RESET_ON_SUCCESS = False

# The name authenticator apps show next to the account's codes.
OTP_TOTP_ISSUER = "Tianfu Atlas"

# Single sign-on with the provincial identity (OpenID Connect, mozilla-django-oidc): on when the
# issuer, client and endpoints are all set. It only signs in existing accounts, matched by user
# name; it never creates an account or grants a role.
TIANFU_OIDC_ISSUER = env.get_str("TIANFU_OIDC_ISSUER", default="")
TIANFU_OIDC_USERNAME_CLAIM = env.get_str("TIANFU_OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_RP_CLIENT_ID = env.get_str("TIANFU_OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.get_str("TIANFU_OIDC_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.get_str("TIANFU_OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.get_str("TIANFU_OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.get_str("TIANFU_OIDC_JWKS_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.get_str("TIANFU_OIDC_USERINFO_ENDPOINT", default="")
_OIDC_REQUIRED = {
    "TIANFU_OIDC_ISSUER": TIANFU_OIDC_ISSUER,
    "TIANFU_OIDC_CLIENT_ID": OIDC_RP_CLIENT_ID,
    "TIANFU_OIDC_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
    "TIANFU_OIDC_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
    "TIANFU_OIDC_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
    "TIANFU_OIDC_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
}
if any(_OIDC_REQUIRED.values()) and not all(_OIDC_REQUIRED.values()):
    _missing = ", ".join(name for name, value in _OIDC_REQUIRED.items() if not value)
    raise env.ConfigError(f"single sign-on is half configured: set {_missing} (see .env.example)")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = env.get_str("TIANFU_OIDC_SCOPES", default="openid profile")
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_TIMEOUT = 10

# --- Security audit (portal.audits) and the crypto service (portal.core.crypto) ------------------

# standard: SHA-256, HMAC-SHA-256, AES-256-GCM; national: SM3, HMAC-SM3, SM4-GCM. Every tag and
# token names its suite, so a switch applies to new records and old ones still verify.
TIANFU_CRYPTO_SUITE = env.get_choice("TIANFU_CRYPTO_SUITE", ("standard", "national"), "standard")
# The key of the audit trail's integrity tags (and of encryption). A site that chooses a suite
# in production must give it; otherwise it is derived from SECRET_KEY (HKDF).
_SUITE_CHOSEN = env.get_str("TIANFU_CRYPTO_SUITE", default="") != ""
TIANFU_AUDIT_KEY = env.get_str(
    "TIANFU_AUDIT_KEY",
    default=None if MODE == "production" and _SUITE_CHOSEN else "",
    why=" when TIANFU_MODE=production and TIANFU_CRYPTO_SUITE is set",
)
if TIANFU_AUDIT_KEY and len(TIANFU_AUDIT_KEY) < 32:
    raise env.ConfigError("TIANFU_AUDIT_KEY must be at least 32 characters (see .env.example)")
# Days audit events are kept at least; only the audit administrator purges older ones. The
# database trigger refuses to delete anything younger than 180 days whatever this says.
TIANFU_AUDIT_RETENTION_DAYS = env.get_int("TIANFU_AUDIT_RETENTION_DAYS", 180)
if TIANFU_AUDIT_RETENTION_DAYS < 180:
    raise env.ConfigError(
        f"TIANFU_AUDIT_RETENTION_DAYS={TIANFU_AUDIT_RETENTION_DAYS} must be at least 180"
    )
# Proxies (addresses or networks) whose X-Forwarded-For is believed for the client address.
TIANFU_TRUSTED_PROXIES = env.get_list("TIANFU_TRUSTED_PROXIES", default=[])
for _proxy in TIANFU_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise env.ConfigError(
            f"TIANFU_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network"
        ) from None
# Audit events are written on a connection of their own when they must outlive the rollback of
# the transaction they happen in (a refused or failed action); see portal.audits.services.
DATABASES["audit"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}

# --- Content Security Policy and upload rules -----------------------------------------------------

# Pages run only scripts and styles served from the portal's own static files: no inline script
# or style attribute, no eval (docs/operations.md, "HTTP headers and uploads"). Leaflet and
# ECharts style elements through the DOM, which a policy does not block. Images may also be
# data:/blob: URLs (Leaflet's and Swagger UI's icons, ECharts' saved charts) and tiles from the
# hosts of TIANFU_BASEMAPS, read here as well because its own setting comes later in this file.
_CSP_IMG = [SELF, "data:", "blob:", *tile_origins(env.get_json("TIANFU_BASEMAPS", default=[]))]
# A form that signs in with the provincial identity is answered by a redirect to its server.
_oidc_origin = csp_origin(OIDC_OP_AUTHORIZATION_ENDPOINT)
_CSP_FORMS = [SELF, _oidc_origin] if _oidc_origin else [SELF]
_CSP_DIRECTIVES: dict[str, list[str] | str] = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": _CSP_IMG,
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": _CSP_FORMS,
    "frame-ancestors": [NONE],
}
# A collector of violation reports (an intranet endpoint), useful with the report-only switch.
if _csp_report_uri := env.get_str("TIANFU_CSP_REPORT_URI", default=""):
    _CSP_DIRECTIVES["report-uri"] = _csp_report_uri
# Report-only: browsers log (and report) violations but block nothing; for trying a change of
# the policy on a live site, never as the normal state.
TIANFU_CSP_REPORT_ONLY = env.get_bool("TIANFU_CSP_REPORT_ONLY", default=False)
CONTENT_SECURITY_POLICY = None if TIANFU_CSP_REPORT_ONLY else {"DIRECTIVES": _CSP_DIRECTIVES}
CONTENT_SECURITY_POLICY_REPORT_ONLY = (
    {"DIRECTIVES": _CSP_DIRECTIVES} if TIANFU_CSP_REPORT_ONLY else None
)

# Uploads live under MEDIA_ROOT and are served only by views that check the reader's scope
# (portal.core.files.serve_upload); no URL serves MEDIA_URL. Static files and code are served or
# run, so uploads must never land inside them, nor static files inside the uploads.
for _served in (STATIC_ROOT, BASE_DIR / "portal"):
    if MEDIA_ROOT.resolve().is_relative_to(_served.resolve()) or _served.resolve().is_relative_to(
        MEDIA_ROOT.resolve()
    ):
        raise env.ConfigError(
            f"TIANFU_MEDIA_ROOT={MEDIA_ROOT} must lie outside {_served} and not contain it"
        )


SILENCED_SYSTEM_CHECKS = [
    # Debian 12's GDAL 3.6 cannot stop file and network access while parsing spatial references.
    # We never hand untrusted CRS strings to GeoDjango's GDAL: uploads are parsed with pyproj and
    # pyogrio, whose wheels bundle a current PROJ/GDAL (see docs/architecture.md).
    "gis.W001",
]

# django-leaflet's default basemap is a public OSM server; intranets cannot reach it. The portal
# draws its own offline basemap; configured XYZ templates are added by the map layer registry.
LEAFLET_CONFIG = {
    "TILES": [],
    "DEFAULT_CENTER": (30.66, 104.07),
    "DEFAULT_ZOOM": 6,
    "RESET_VIEW": False,
    "NO_GLOBALS": True,
    "ATTRIBUTION_PREFIX": "Leaflet",
}

# Tile basemaps offered besides the offline one (Tianditu with its key, an intranet server): a JSON
# list, checked by portal.maps.basemaps when the map page reads it (see .env.example).
TIANFU_BASEMAPS = env.get_json("TIANFU_BASEMAPS", default=[])

# Imports: the largest file accepted, in MB. Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE go to a
# temporary file on disk, so a 1 GB GeoPackage never sits in a web process's memory.
TIANFU_IMPORT_MAX_MB = env.get_int("TIANFU_IMPORT_MAX_MB", 1024)
if TIANFU_IMPORT_MAX_MB < 1:
    raise env.ConfigError(f"TIANFU_IMPORT_MAX_MB={TIANFU_IMPORT_MAX_MB} must be at least 1")
# Title case source documents (scans, PDF): the largest file accepted, in MB.
TIANFU_TITLE_DOCUMENT_MAX_MB = env.get_int("TIANFU_TITLE_DOCUMENT_MAX_MB", 20)
if TIANFU_TITLE_DOCUMENT_MAX_MB < 1:
    raise env.ConfigError(
        f"TIANFU_TITLE_DOCUMENT_MAX_MB={TIANFU_TITLE_DOCUMENT_MAX_MB} must be at least 1"
    )
# The conflict register's tolerances (portal.parcels.tolerances); `detect_conflicts` can override
# each for one run. Overlaps of parcels below the area, or thinner than about twice the sliver
# width, are not reported; nor buildings off their parcel by at most the share, nor certificate
# areas within the percentage of the geodesic area.
TIANFU_CONFLICT_TOLERANCES = {
    "min_overlap_m2": env.get_float("TIANFU_CONFLICT_MIN_OVERLAP_M2", 1.0, minimum=0),
    "sliver_width_m": env.get_float("TIANFU_CONFLICT_SLIVER_WIDTH_M", 0.5, minimum=0),
    "building_outside_pct": env.get_float("TIANFU_CONFLICT_BUILDING_OUTSIDE_PCT", 2.0, minimum=0),
    "area_tolerance_pct": env.get_float("TIANFU_CONFLICT_AREA_TOLERANCE_PCT", 5.0, minimum=0),
}
# The public asset warehouse (portal.assets): days a published listing stays open to other
# units before it moves to disposal, candidates a need's match list shows (and the purchase gate
# asks to be reviewed), and the largest listing photo accepted.
TIANFU_SCREENING_DAYS = env.get_int("TIANFU_SCREENING_DAYS", 21)
TIANFU_MATCH_LIMIT = env.get_int("TIANFU_MATCH_LIMIT", 20)
TIANFU_LISTING_PHOTO_MAX_MB = env.get_int("TIANFU_LISTING_PHOTO_MAX_MB", 10)
for _name in ("TIANFU_SCREENING_DAYS", "TIANFU_MATCH_LIMIT", "TIANFU_LISTING_PHOTO_MAX_MB"):
    if globals()[_name] < 1:
        raise env.ConfigError(f"{_name}={globals()[_name]} must be at least 1")
# Pooled vehicle dispatch (portal.fleet, docs/fleet.md). Distances are geodesic metres times the
# road factor; an NEV fits a trip when its range times the reserve covers the drive to the origin
# and the trip (both ways for a round trip); a vehicle stands where its last trip ended for
# ``return_hours`` after it, then back at its base. The ranking weighs distance, fit (spare seats)
# and balance of use over ``balance_days``. A position older than ``stale_minutes`` is shown as
# stale; a vehicle used under ``idle_pct`` of its working hours over ``idle_days`` is offered to
# the public asset warehouse. Hours are billed in steps of ``billing_step_minutes``.
TIANFU_FLEET = {
    "road_factor": env.get_float("TIANFU_FLEET_ROAD_FACTOR", 1.3, minimum=1),
    "nev_reserve": env.get_float("TIANFU_FLEET_NEV_RESERVE", 0.8, minimum=0.1),
    "return_hours": env.get_float("TIANFU_FLEET_RETURN_HOURS", 12, minimum=0),
    "balance_days": env.get_int("TIANFU_FLEET_BALANCE_DAYS", 30),
    "weight_distance": env.get_float("TIANFU_FLEET_WEIGHT_DISTANCE", 0.5, minimum=0),
    "weight_fit": env.get_float("TIANFU_FLEET_WEIGHT_FIT", 0.2, minimum=0),
    "weight_balance": env.get_float("TIANFU_FLEET_WEIGHT_BALANCE", 0.3, minimum=0),
    "suggestions": env.get_int("TIANFU_FLEET_SUGGESTIONS", 10),
    "stale_minutes": env.get_int("TIANFU_FLEET_STALE_MINUTES", 15),
    "idle_days": env.get_int("TIANFU_FLEET_IDLE_DAYS", 90),
    "idle_pct": env.get_float("TIANFU_FLEET_IDLE_PCT", 10, minimum=0),
    "working_hours": env.get_float("TIANFU_FLEET_WORKING_HOURS", 8, minimum=1),
    "billing_step_minutes": env.get_int("TIANFU_FLEET_BILLING_STEP_MINUTES", 30),
    "feed_batch": env.get_int("TIANFU_FLEET_FEED_BATCH", 1000),
}
for _name in (
    "balance_days",
    "suggestions",
    "stale_minutes",
    "idle_days",
    "billing_step_minutes",
    "feed_batch",
):
    if TIANFU_FLEET[_name] < 1:
        raise env.ConfigError(
            f"TIANFU_FLEET_{_name.upper()}={TIANFU_FLEET[_name]} must be at least 1"
        )
# Running-cost indicators (portal.costs.indicators): a unit's figure is flagged when it is more
# than ``outlier_factor`` times the median of its peers (same government level and unit kind,
# same year), or less than the median divided by it; groups smaller than ``min_peers`` are not
# judged, since a median of two says nothing.
TIANFU_COSTS = {
    "outlier_factor": env.get_float("TIANFU_COSTS_OUTLIER_FACTOR", 1.5, minimum=1.01),
    "min_peers": env.get_int("TIANFU_COSTS_MIN_PEERS", 5),
}
if TIANFU_COSTS["min_peers"] < 3:
    raise env.ConfigError(f"TIANFU_COSTS_MIN_PEERS={TIANFU_COSTS['min_peers']} must be at least 3")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# The request body besides uploaded files (form fields, JSON) stays small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o640

# History: database triggers record every insert, update and delete (bulk ones included) with the
# request's user and id; the event tables refuse updates and deletes. Registry models use
# portal.core.tracking.tracked(), which writes them once per statement; these defaults only
# serve a model tracked with a bare pghistory.track().
PGHISTORY_DEFAULT_TRACKERS = (
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
)
PGHISTORY_APPEND_ONLY = True
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)
# History is read by object (pgh_obj) and by context, never by the foreign keys an event copies:
# an index on each of those would only slow every bulk write (a first conflict run writes
# 100,000 link events; an import, 100,000 building events).
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_CONTEXT_FIELD = pghistory.ContextForeignKey(db_index=True)

# The REST API (/api/): token first so an anonymous request gets 401 with WWW-Authenticate.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.accounts.tokens.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "portal.core.pagination.RegistryPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.core.api.exception_handler",
    # Amounts and areas as JSON numbers, as PostGIS writes them in GeoJSON lists.
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tianfu Atlas API",
    "DESCRIPTION": (
        "The asset registry of the Sichuan Government Offices Administration. Geometric models "
        "answer RFC 7946 GeoJSON (lon/lat, EPSG:4490 ≈ WGS84); ?srid= opts into another CRS."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the sidecar's static files: intranets cannot reach a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Other models have a "status" too; name the import states apart.
    "ENUM_NAME_OVERRIDES": {"ImportStatusEnum": "portal.exchange.models.ImportStatus"},
}

LOG_LEVEL = env.get_choice(
    "TIANFU_LOG_LEVEL", ("debug", "info", "warning", "error"), "info"
).upper()
LOG_FORMAT = env.get_choice("TIANFU_LOG_FORMAT", ("json", "text"), "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "portal.core.logging.RequestIdFilter"},
        "database_outage": {"()": "portal.core.logging.DatabaseOutageFilter"},
    },
    "formatters": {
        "json": {"()": "portal.core.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["database_outage"]},
        "procrastinate": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO; its warnings (a refused file) still show.
        "weasyprint": {"level": "WARNING"},
    },
}

TIANFU = {
    # Shown in the page header and on every export until real data replaces the demo data.
    "SITE_NAME": _("Tianfu Atlas"),
    "DEMO": MODE == "demo",
}

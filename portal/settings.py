"""The only settings module of Tianfu Atlas.

Values come from environment variables read through :mod:`portal.env` (documented in
``.env.example``). ``TIANFU_MODE`` selects defaults: ``production`` (the default) requires
``TIANFU_SECRET_KEY``, ``TIANFU_ALLOWED_HOSTS`` and ``DATABASE_URL``; ``demo`` and ``test`` fall
back to the local database that ``make demo`` / ``make test`` create, and to a fixed development
key.
"""

from pathlib import Path

import pghistory
from django.utils.translation import gettext_lazy as _

from portal import env

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
    "portal.org",
    "portal.accounts",
    "portal.audits",
    "portal.buildings",
    "portal.parcels",
    "portal.assets",
    "portal.depots",
    "portal.fleet",
    "portal.exchange",
    "portal.demo",
    "portal.maps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.core.history.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Accounts (portal.accounts): password policy, lockout, second factor, single sign-on --------

# --- Security audit (portal.audits) and the crypto service (portal.core.crypto) ------------------

# --- Content Security Policy and upload rules -----------------------------------------------------

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
        "rest_framework.authentication.TokenAuthentication",
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
    "filters": {"request_id": {"()": "portal.core.logging.RequestIdFilter"}},
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

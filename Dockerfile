# Image for hosts that are not Debian/Ubuntu; docker-compose.yml runs it as `web` and `worker`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TIANFU_MEDIA_ROOT=/var/lib/tianfu/media

RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libgeos-c1v5 gettext postgresql-client \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt README.md manage.py ./
COPY portal ./portal
COPY gis ./gis
COPY fixtures ./fixtures
RUN pip install -c constraints.txt -e . \
 && TIANFU_MODE=demo python manage.py compilemessages -v0 \
 && TIANFU_MODE=demo python manage.py collectstatic --noinput -v0

RUN useradd --system --uid 10001 --home-dir /app tianfu \
 && mkdir -p /var/lib/tianfu/media && chown tianfu /var/lib/tianfu/media
USER tianfu
EXPOSE 8000
CMD ["gunicorn", "-c", "python:portal.gunicorn_conf", "portal.wsgi", "--bind", "0.0.0.0:8000"]

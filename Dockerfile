# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/var/lib/dsr \
    STATIC_ROOT=/app/staticfiles

# WeasyPrint needs Pango and HarfBuzz; the fonts are embedded in every PDF.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-dejavu-core fonts-liberation2 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
RUN pip install -c constraints.txt .

COPY . .
# Static files and translations are built into the image. The keys given here exist
# only for this build step; the running containers must be given their own.
RUN SECRET_KEY=build-only PII_HASH_KEY=build-only \
    PII_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktbm90LWZvci1wcm9kdWN0aW9uIQ== \
    python manage.py compiletranslations --force \
    && SECRET_KEY=build-only PII_HASH_KEY=build-only \
    PII_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktbm90LWZvci1wcm9kdWN0aW9uIQ== \
    python manage.py collectstatic --noinput -v0

RUN useradd --system --uid 10001 --home /app dsr \
    && mkdir -p /var/lib/dsr && chown dsr /var/lib/dsr
USER dsr
VOLUME /var/lib/dsr
EXPOSE 8000

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]

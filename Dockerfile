# The bot in production: slim Python, WeasyPrint's system libraries, a non-root user, data on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_PATH=/app/data/bot.sqlite3 \
    BACKUP_DIR=/app/data/backups

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig \
       fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY data/catalogue.toml ./data/catalogue.toml
RUN pip install . \
    && useradd --create-home --uid 10001 bot \
    && mkdir -p /app/data/backups && chown -R bot:bot /app/data

USER bot
VOLUME ["/app/data"]
EXPOSE 8080

# Healthy when the process is up and the database answers (a read-only query through SQLite).
HEALTHCHECK --interval=60s --timeout=10s --start-period=20s --retries=3 \
    CMD python -m bot.healthcheck || exit 1

CMD ["python", "-m", "bot"]

# One image for every role: `billing-console web | worker | scheduler | migrate | ...`.
# The web role runs the migrations and builds the Reflex frontend (into /app/.web) on its first start.
FROM python:3.11-slim-bookworm

# REFLEX_USE_SYSTEM_BUN: Reflex uses the bun installed below instead of downloading one at start.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REFLEX_USE_SYSTEM_BUN=1

# WeasyPrint's pango/harfbuzz/fontconfig libraries and a font for the PDFs; Node, npm, unzip and curl
# for the Reflex frontend build. Bookworm's Node is too old for Reflex's npm path, so bun builds it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core \
        nodejs npm unzip curl \
    && npm install -g bun@1.4.4 \
    && npm cache clean --force \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 --user-group app

WORKDIR /app
COPY . .
# The app user writes .web/ (frontend build) and var/ (storage, a volume in compose) under /app.
RUN pip install --no-cache-dir . \
    && mkdir -p /app/var \
    && chown -R app:app /app

USER app
EXPOSE 3000
ENTRYPOINT ["billing-console"]
CMD ["web"]

# The hosted profile (issue 10): the monitor for a shared link, behind a TLS reverse proxy.
#   docker build -t sync-monitor .
#   docker run -p 8501:8501 -v "$PWD/secrets.toml:/app/.streamlit/secrets.toml:ro" \
#       -v sync-monitor-data:/app/data sync-monitor
# It listens on 0.0.0.0 and lets nobody in without sign-in: the secrets file mounted at
# /app/.streamlit/secrets.toml must hold an [auth] section (see secrets.example.toml), else
# every visitor sees "This monitor requires sign-in". docs/operating.md: "Hosting it".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY sync_monitor ./sync_monitor
COPY dotoro_local ./dotoro_local
RUN pip install . && rm -rf build *.egg-info
COPY app.py ./
COPY app_pages ./app_pages
COPY static ./static
COPY .streamlit/config.toml ./.streamlit/config.toml

# An unprivileged user; data/ (the audit trail, the history) is the only place it writes.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin monitor \
    && mkdir -p /app/data && chown monitor /app/data
USER 10001
VOLUME ["/app/data"]

ENV SYNC_MONITOR_REQUIRE_SIGN_IN=true \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION=true \
    STREAMLIT_SERVER_ENABLE_CORS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

EXPOSE 8501
# Streamlit answers its health route within a second of starting (its import of app.py loads
# the push route only; the services start with the first page): a short start period, and a
# timeout far above the ~0.1 s an answer takes (docs/benchmarks.md, "Startup").
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]
CMD ["streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501"]

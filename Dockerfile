# Trainyard service image: slim Python, non-root, `trainyard serve`, health-checked.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY art ./art
COPY connectors ./connectors
COPY sync ./sync
COPY metrics ./metrics
COPY simulators ./simulators
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    TRAINYARD_HOST=0.0.0.0 \
    TRAINYARD_PORT=8000 \
    TRAINYARD_DATA_DIR=/var/lib/trainyard \
    TRAINYARD_DATABASE_URL=sqlite:////var/lib/trainyard/trainyard.db \
    AZURE_DEVOPS_CACHE_DIR=/var/lib/trainyard/ado-cache
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --home-dir /var/lib/trainyard --create-home trainyard
USER trainyard
WORKDIR /var/lib/trainyard
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
# Run `trainyard db upgrade` once per release (a job or an init container) before serving.
CMD ["trainyard", "serve"]

# edi_gateway: the same install and entry point as `make run` in the README
# (pip install of this project, then `edi-gateway serve`).

# Build stage: the modules listed in pyproject.toml ([tool.edi_gateway] compiled) are
# compiled with mypyc, which needs a C compiler.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY parsers ./parsers
COPY mappings ./mappings
COPY edi_gateway ./edi_gateway
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Run stage: slim, no compiler, non-root.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EDI_GATEWAY_HOST=0.0.0.0 \
    EDI_GATEWAY_PORT=8000 \
    EDI_GATEWAY_DATA_DIR=/var/lib/edi-gateway
RUN groupadd --system edi && useradd --system --gid edi --home-dir /var/lib/edi-gateway edi \
    && mkdir -p /var/lib/edi-gateway && chown edi:edi /var/lib/edi-gateway
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER edi
WORKDIR /var/lib/edi-gateway
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["edi-gateway", "serve"]

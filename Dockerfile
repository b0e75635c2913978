# One image for every SIKS-NG service: `siks node serve`, `siks gateway serve`, the CA and
# set-up steps (`siks certs ...`, `siks node migrate`, ...). See docker-compose.yml and
# docs/deploy.md. curl is there for the health checks (GET /readyz).
FROM python:3.11-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/siks --create-home siks \
 && mkdir -p /ca /pki /exchange /data /registry \
 && chown siks:siks /ca /pki /exchange /data /registry
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .
USER siks
EXPOSE 8100 8200 8080 8443
CMD ["siks", "--help"]

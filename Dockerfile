# syntax=docker/dockerfile:1
# One image for both processes: `portal serve` (the default) and
# `portal index`. The tests in deploy/ keep it in step with the Makefile,
# docker-compose.yml and deploy/kubernetes/.

# ---- build ----
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The packages `make build` builds, statically linked: the portal, and the
# flowchart command it runs (beside itself) to draw flowcharts.
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/portal ./cmd/portal \
 && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/flowchart ./cmd/flowchart

# ---- run ----
FROM debian:bookworm-slim
# curl is for HEALTHCHECK only.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin portal \
 && install -d -o 10001 -g 10001 /var/lib/gongshi/snapshots
COPY --from=build /out/portal /portal
COPY --from=build /out/flowchart /flowchart
# The same non-root user as the Kubernetes pods (runAsUser 10001); the root
# file system can be read-only: only the snapshot volume and /tmp (XLSX
# exports; the flowchart command keeps Graphviz's compiled module there)
# are written.
USER 10001:10001
ENV PORTAL_ADDR=:8080 PORTAL_SNAPSHOT_DIR=/var/lib/gongshi/snapshots
# The daily dataset snapshots are kept; mount a volume here.
VOLUME /var/lib/gongshi/snapshots
EXPOSE 8080
# The liveness probe of the Kubernetes Deployment. portal serve applies
# pending migrations before it listens, hence the long start period.
# (portal index serves no HTTP: its compose service disables this.)
HEALTHCHECK --interval=10s --timeout=3s --start-period=10m --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORTAL_ADDR##*:}/healthz" || exit 1
ENTRYPOINT ["/portal"]
CMD ["serve"]

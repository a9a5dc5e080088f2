# syntax=docker/dockerfile:1

# ---- build ----
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/portal ./cmd/portal

# ---- run ----
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin portal \
 && install -d -o 10001 -g 10001 /var/lib/gongshi/snapshots
COPY --from=build /out/portal /portal
USER 10001:10001
# The daily dataset snapshots are kept; mount a volume here.
ENV PORTAL_ADDR=:8080 PORTAL_SNAPSHOT_DIR=/var/lib/gongshi/snapshots
VOLUME /var/lib/gongshi/snapshots
EXPOSE 8080
ENTRYPOINT ["/portal"]
CMD ["serve"]

# syntax=docker/dockerfile:1
#
# exreconcile container image: a static binary on distroless, running as a
# non-root numeric uid (65532, distroless' "nonroot").
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t exreconcile .
#   docker run --rm exreconcile version
#
# Used by manifests/deploy (CronJobs and Deployment); see its README.md.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
WORKDIR /src
# Dependencies first, so a source change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/exreconcile ./cmd/exreconcile

# static-debian12 has CA certificates, tzdata and /etc/passwd, and no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/exreconcile /exreconcile
# Numeric (= nonroot:nonroot) so that Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
# exreconcile run --metrics-addr :8080 (Prometheus /metrics and /healthz).
EXPOSE 8080
ENTRYPOINT ["/exreconcile"]

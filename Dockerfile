# prebuild-decider container image.
#
#   DOCKER_BUILDKIT=1 docker build --build-arg REVISION="$(git rev-parse --short=12 HEAD)" \
#     -t prebuild-decider .
#   docker run --rm -p 8080:8080 prebuild-decider
#
# Two stages: a Rust toolchain image compiles the release binary, and a
# distroless image (glibc + libgcc, no shell, no package manager) runs it as
# the unprivileged user 65532. The builder is Debian 12 (bookworm) because the
# runtime is Debian 12 too: a binary linked against a newer glibc (e.g. a
# trixie builder) would not start on cc-debian12.
#
# BuildKit is needed for the cache mounts below. It is the default builder
# since Docker 23; older engines (Debian 12's docker.io is 20.10) need
# DOCKER_BUILDKIT=1. There is no "# syntax=" line on purpose: the Dockerfile
# frontend built into BuildKit has had RUN --mount since BuildKit 0.8 (Docker
# 20.10), and nothing here needs a newer one, so a build does not have to
# fetch a frontend image from Docker Hub first.
#
# REVISION is the commit /v1/version and the build-info metric report: the
# build context has no .git, so without it they say "unknown".
#
# For reproducible production builds, pin both FROM lines by digest
# (image:tag@sha256:...).

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
# The commit to report in build info and /v1/version (the context has no .git).
ARG REVISION=unknown
WORKDIR /src

# The whole context is copied (see .dockerignore for what is kept out), so a
# [[bench]], [[test]] or build.rs added to Cargo.toml later still resolves.
COPY . .

# BuildKit cache mounts keep the crates.io registry and the target directory
# between builds, so a source-only change recompiles only this crate. The
# target directory is a cache mount, not part of the layer, so the binary is
# copied out in the same step. --locked: Cargo.lock is the truth; a stale lock
# fails the build instead of silently resolving new versions.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git/db,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    PREBUILD_DECIDER_COMMIT="${REVISION}" cargo build --release --locked --bin prebuild-decider \
    && install -D -m 0755 target/release/prebuild-decider /out/prebuild-decider

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime

ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="prebuild-decider" \
      org.opencontainers.image.description="Stateless HTTP service that tells a control plane how to keep pools of prebuilt workspaces at their target size." \
      org.opencontainers.image.licenses="AGPL-3.0-only" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="gcr.io/distroless/cc-debian12:nonroot"

COPY --from=build /out/prebuild-decider /usr/local/bin/prebuild-decider

# Listen on all interfaces inside the container (the binary's own default is
# loopback only, which is unreachable through a published port). The
# healthcheck subcommand reads the same variable and probes a wildcard address
# on 127.0.0.1. Logs go to stderr as JSON lines for log collectors.
ENV PREBUILD_DECIDER_LISTEN=0.0.0.0:8080 \
    PREBUILD_DECIDER_LOG_FORMAT=json

# distroless "nonroot" is uid/gid 65532; stated numerically so that
# Kubernetes' runAsNonRoot can verify it without a passwd lookup.
USER 65532:65532

EXPOSE 8080

# SIGTERM (the default) makes the service fail /readyz at once, drain
# in-flight requests for up to PREBUILD_DECIDER_SHUTDOWN_TIMEOUT (30s), then
# exit 0. `docker stop` waits 10s by default: use `docker stop -t 35` to give
# it the full drain window.
STOPSIGNAL SIGTERM

# No shell or curl in this image: the binary probes its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/prebuild-decider", "healthcheck"]

ENTRYPOINT ["/usr/local/bin/prebuild-decider", "serve"]

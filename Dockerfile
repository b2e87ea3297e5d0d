# syntax=docker/dockerfile:1
#
# DriftDB's container image: the two binaries, stripped, on Debian slim, as a non-root user.
#
#   docker build -t driftdb .                       # the image (the `runtime` stage)
#   docker build --target debug -o ./debug .        # the binaries' debug info, kept apart
#   docker run -p 5433:5433 -p 50051:50051 -v driftdb:/data driftdb
#
# The image runs driftdb-server on /data, listening on every interface of the container
# (the binary's own default is 127.0.0.1); `--entrypoint driftdb` runs the CLI instead.
# docs/deploy.md has the details and the image's size.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=trixie

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
WORKDIR /src
# Protobuf is compiled by protox (pure Rust): no protoc. gcc, which the Rust image has,
# builds the few C parts (ring, mimalloc).
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin driftdb-server --bin driftdb \
    && mkdir /out \
    && for bin in driftdb-server driftdb; do \
        objcopy --only-keep-debug "target/release/$bin" "/out/$bin.debug" \
        && objcopy --strip-all --add-gnu-debuglink="/out/$bin.debug" "target/release/$bin" "/out/$bin"; \
    done

# The debug info, for symbolizing a core dump or a perf profile of the image's binaries.
FROM scratch AS debug
COPY --from=build /out/driftdb-server.debug /out/driftdb.debug /

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
ARG UID=10001
RUN groupadd --system --gid "$UID" driftdb \
    && useradd --system --uid "$UID" --gid driftdb --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin driftdb \
    && mkdir /data \
    && chown driftdb:driftdb /data
COPY --from=build /out/driftdb-server /out/driftdb /usr/local/bin/
USER ${UID}:${UID}
WORKDIR /data
ENV DRIFTDB_DATA_DIR=/data \
    DRIFTDB_LISTEN=0.0.0.0
VOLUME ["/data"]
# gRPC, PostgreSQL, HTTP (metrics and health).
EXPOSE 50051 5433 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["driftdb-server"]

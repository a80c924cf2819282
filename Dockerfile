# hlmm: multi-stage build. The runtime image holds the binary and the config files only.
# Deploy with docker-compose.yml (host networking, CPU pinning, the agent key as a secret).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock rust-toolchain.toml ./
COPY crates ./crates
COPY src ./src
COPY benches ./benches
COPY config ./config
RUN cargo build --release --locked --bin hlmm

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /nonexistent --shell /usr/sbin/nologin hlmm
COPY --from=build /src/target/release/hlmm /usr/local/bin/hlmm
COPY --from=build /src/config /etc/hlmm
USER hlmm
# The agent key is never baked in: mount it as a secret and point HLMM_AGENT_KEY_FILE at it.
ENTRYPOINT ["/usr/local/bin/hlmm"]
CMD ["run", "--config", "/etc/hlmm/sim.toml"]

# One image for every Shamdan service: `bun cli/main.ts <ingest|processor|sink|api>`.
FROM oven/bun:1.4.5 AS base
WORKDIR /app

# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json bun.lock bunfig.toml ./
# The patches bun install applies to dependencies (patchedDependencies in package.json).
COPY patches patches
COPY shared/package.json shared/
COPY indicators/package.json indicators/
COPY ingest/package.json ingest/
COPY processor/package.json processor/
COPY sink/package.json sink/
COPY api/package.json api/
COPY grafana/package.json grafana/
COPY cli/package.json cli/
COPY web/package.json web/
RUN bun install --frozen-lockfile --production

COPY shared shared
COPY indicators indicators
COPY ingest ingest
COPY processor processor
COPY sink sink
COPY api api
COPY grafana grafana
COPY cli cli
COPY web web

# Bun's transpiler cache would write under $HOME: off, so the root filesystem can be read-only.
ENV NODE_ENV=production \
    BUN_RUNTIME_TRANSPILER_CACHE_PATH=0
# The image's `bun` user by number, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
ENTRYPOINT ["bun", "cli/main.ts"]
CMD ["api"]

# One image for every Shamdan service: `bun cli/main.ts <ingest|processor|sink|api>`.
FROM oven/bun:1.4.5 AS base
WORKDIR /app

# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json bun.lock bunfig.toml ./
COPY shared/package.json shared/
COPY ingest/package.json ingest/
COPY processor/package.json processor/
COPY sink/package.json sink/
COPY api/package.json api/
COPY grafana/package.json grafana/
COPY cli/package.json cli/
COPY web/package.json web/
RUN bun install --frozen-lockfile --production

COPY shared shared
COPY ingest ingest
COPY processor processor
COPY sink sink
COPY api api
COPY grafana grafana
COPY cli cli
COPY web web

ENV NODE_ENV=production
USER bun
ENTRYPOINT ["bun", "cli/main.ts"]
CMD ["api"]

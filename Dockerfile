# One image build, three targets (gateway, user-service, auth-service): every process is started
# the same way, with the tracing preload before main (NODE_OPTIONS below).
# Build: docker build --target gateway -t traced-gateway .

FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles natively when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY proto ./proto
COPY gen ./gen
COPY shared ./shared
COPY services ./services
COPY gateway ./gateway
COPY scripts ./scripts
COPY test ./test
COPY bench ./bench
RUN npx tsc -p tsconfig.json && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/gen/descriptors.binpb ./gen/descriptors.binpb
RUN mkdir -p /data && chown node:node /data
USER node
# The node flags of every process, kept here only: `npm start` (scripts/stack/process-spec.ts)
# reads this line. 16 MiB semi-spaces hold Node 24's memory to Node 20's (bench/README.md), and
# the tracing preload runs before main (docs/tracing.md). A target's CMD is `node <its main.js>`.
ENV NODE_OPTIONS="--max-semi-space-size=16 --require ./dist/shared/telemetry/preload.js"

FROM runtime AS auth-service
COPY --chown=node:node services/auth/config.yaml ./services/auth/config.yaml
EXPOSE 50052
CMD ["node", "./dist/services/auth/main.js"]

FROM runtime AS user-service
COPY --chown=node:node services/user/config.yaml ./services/user/config.yaml
EXPOSE 50051
CMD ["node", "./dist/services/user/main.js"]

FROM runtime AS gateway
COPY --chown=node:node gateway/config.yaml ./gateway/config.yaml
EXPOSE 8080
CMD ["node", "./dist/gateway/main.js"]

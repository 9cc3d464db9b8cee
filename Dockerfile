# One image build, three targets (gateway, user-service, auth-service): every process is started
# the same way, with the telemetry preload before main.
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

FROM runtime AS auth-service
COPY --chown=node:node services/auth/config.yaml ./services/auth/config.yaml
EXPOSE 50052
CMD ["node", "--max-semi-space-size=16", "--require", "./dist/services/auth/telemetry.js", "./dist/services/auth/main.js"]

FROM runtime AS user-service
COPY --chown=node:node services/user/config.yaml ./services/user/config.yaml
EXPOSE 50051
CMD ["node", "--max-semi-space-size=16", "--require", "./dist/services/user/telemetry.js", "./dist/services/user/main.js"]

FROM runtime AS gateway
COPY --chown=node:node gateway/config.yaml ./gateway/config.yaml
EXPOSE 8080
CMD ["node", "--max-semi-space-size=16", "--require", "./dist/gateway/telemetry.js", "./dist/gateway/main.js"]

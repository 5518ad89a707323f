# wapgate: the WAP gateway (and, with `mmsc` as the command, the reference MMSC) in one image.
# Three stages: `build` compiles src/ to dist/ (tsc, then the run-time bundle in dist/bundle/) with the dev
# dependencies; `deps` installs the production dependencies only (better-sqlite3's native addon is compiled or
# fetched there, with the tools that needs);
# the runtime image gets node_modules (production), dist/, bin/ and the example config — no TypeScript, tsx,
# esbuild or compiler toolchain.

FROM node:20-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Install scripts run only for the packages package.json "allowScripts" lists (better-sqlite3); `prepare` (the
# build) waits for the sources.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
RUN npm run build

FROM node:20-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --omit=dev: no TypeScript here, so the `prepare` build is skipped (dist/ comes from the build stage); the
# native addon of better-sqlite3 is built by its (allowed) install script.
RUN npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3 && npm cache clean --force

FROM node:20-slim
ENV NODE_ENV=production \
    PATH=/app/bin:$PATH
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY wapgate.example.yaml ./

# State that must survive a restart (MMSC store, pending pushes, CDRs) lives in a volume owned by the
# unprivileged user the process runs as.
RUN mkdir -p /var/lib/wapgate && chown node:node /var/lib/wapgate
VOLUME ["/var/lib/wapgate"]
USER node

# 9200/udp connectionless WSP, 9201/udp WTP + WSP sessions (towards handsets);
# 8080 PAP, 8002 MM1, 9280 admin (inside the compose network / loopback).
EXPOSE 9200/udp 9201/udp 8080 8002 9280

# SIGTERM drains in-flight transactions (gateway.drainTimeout), flushes CDRs and the push queue, exits 0.
STOPSIGNAL SIGTERM
CMD ["wapgate", "serve"]

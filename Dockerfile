# wapgate: the WAP gateway (and, with `mmsc` as the command, the reference MMSC) in one image.
# No build step: bin/wapgate.js runs the TypeScript sources through tsx (a runtime dependency).
FROM node:20-slim

ENV NODE_ENV=production \
    PATH=/app/bin:$PATH

WORKDIR /app

# Dependencies first, so source changes do not re-install them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY bin ./bin
COPY src ./src
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

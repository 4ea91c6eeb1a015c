# captcha-runway exporter image.
#
#   podman build --build-arg REVISION="$(git rev-parse HEAD)" -t captcha-runway .
#   (or docker build; README.md, "Install", has the run command)
#
# Three stages on the official Node 24 slim image: `build` compiles the TypeScript (dev dependencies),
# `deps` installs the production dependencies only, and the final image holds those two outputs, runs
# as uid/gid 10001, needs nothing writable but its state volume (works with --read-only), and never
# receives the API key at build time: the key comes from a mounted file (--api-key-file) or the
# CAPTCHA_API_KEY environment variable when the container runs.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY core core
COPY simulator simulator
COPY exporter exporter
COPY cli cli
COPY scripts/stamp-revision.ts scripts/stamp-revision.ts
# No .git in the build context: the revision comes from the build argument.
ARG REVISION=unknown
RUN CAPTCHA_RUNWAY_REVISION="$REVISION" npm run build

FROM node:24-bookworm-slim AS deps
WORKDIR /opt/captcha-runway
COPY package.json package-lock.json ./
# Production dependencies are plain JavaScript: no install scripts need to run.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="captcha-runway" \
      org.opencontainers.image.description="Prometheus exporter of prepaid CAPTCHA-solving balances, spend and estimated runway" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.source="https://github.com/captcha-runway/captcha-runway" \
      org.opencontainers.image.url="https://github.com/captcha-runway/captcha-runway#readme" \
      org.opencontainers.image.documentation="https://github.com/captcha-runway/captcha-runway#install" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"
# A fixed, unprivileged identity (not the base image's `node` user, uid 1000, which other images
# share); the state directory is the only place it writes.
RUN groupadd --system --gid 10001 captcha-runway \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/captcha-runway --no-create-home \
      --shell /usr/sbin/nologin captcha-runway \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/captcha-runway
ENV NODE_ENV=production
WORKDIR /opt/captcha-runway
COPY --from=deps /opt/captcha-runway/node_modules node_modules
COPY --from=build /src/build build
COPY package.json LICENSE README.md CHANGELOG.md ./
COPY grafana grafana
# The default --state.file (./captcha-runway-state.json) lands in the volume.
WORKDIR /var/lib/captcha-runway
VOLUME /var/lib/captcha-runway
USER 10001:10001
EXPOSE 9877
# Node is PID 1: the exporter handles SIGTERM and SIGINT itself (state written, exit 0) and starts no
# child processes, so no init is needed to forward signals or reap zombies.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/captcha-runway/build/cli/main.js"]
CMD ["exporter", "--help"]

# One image for every Comeback app, the `comeback` CLI (migrations, demo data) included.
#
# The apps run from their TypeScript sources through tools/register.js (swc, no build step), so the
# image carries apps/, libs/, bin/, tools/, the tsconfig files (for the @comeback/* path aliases) and .swcrc.
#
# Choosing what runs:
#   docker run -e APP=report comeback                 # APP = report | response-collector | campaign
#                                                     #       | lapse-detector | dispatcher (default: report)
#   docker run comeback node -r ./tools/register.js apps/dispatcher/src/main.ts   # same, explicit command
#   docker run comeback node bin/comeback.js migrate                              # one-shot CLI commands
# docker-compose.yml and the Kubernetes manifests always give the explicit command.
#
# Each app reads its configuration from the environment (see the configuration table in README.md);
# DATABASE_URL and REDIS_URL are secrets and are never baked into the image.
#
# Node 20 must be 20.19 or newer (commander 15 is ESM-only and is loaded with require()).
ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# deps: the full dependency tree, exactly as package-lock.json pins it.
# Install scripts are skipped: package.json's `allowScripts` denies the only ones in the tree
# (@swc/core, nx, @parcel/watcher, msgpackr-extract), the npm bundled with Node 20 does not read
# `allowScripts`, and every package works without them (native code comes as prebuilt optional
# packages such as @swc/core-linux-x64-gnu).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# prod-deps: the same tree without devDependencies. @swc/core (used by tools/register.js) is a
# runtime dependency and stays.
FROM deps AS prod-deps
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && node -e "for (const m of ['@swc/core']) require.resolve(m)"

# ---------------------------------------------------------------------------------------------
# runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    APP=report \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# Everything is owned by root and read-only for the app user: the process cannot change its code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json tsconfig.base.json .swcrc ./
COPY bin ./bin
COPY tools ./tools
COPY libs ./libs
COPY apps ./apps
# The one place under /app the app user may write: scratch files of CLI commands (the repository's
# tmp/ convention, e.g. demo data CSVs). Not used by the apps; read-only deployments ignore it.
RUN mkdir -p /app/tmp && chown 1000:1000 /app/tmp

# The `node` user of the base image, by number so Kubernetes can check runAsNonRoot.
# Nothing is written at run time; the Kubernetes manifests still mount an emptyDir at /tmp for
# libraries that want scratch space under a read-only root filesystem.
USER 1000:1000

# Liveness only (/health/live does not touch PostgreSQL or Redis). The port is $PORT, or the
# default port of $APP when PORT is not set.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const d={report:3000,'response-collector':3001,campaign:3002,'lapse-detector':3003,dispatcher:3004};const p=process.env.PORT||d[process.env.APP]||3000;fetch('http://127.0.0.1:'+p+'/health/live',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

EXPOSE 3000 3001 3002 3003 3004

# `exec`: node replaces the shell, so it gets SIGTERM itself (Nest then shuts down gracefully).
CMD ["/bin/sh", "-c", "if [ ! -f \"apps/${APP}/src/main.ts\" ]; then echo \"APP='${APP}' is not an app; use one of: $(ls apps | tr '\\n' ' ')\" >&2; exit 64; fi; exec node -r ./tools/register.js \"apps/${APP}/src/main.ts\""]

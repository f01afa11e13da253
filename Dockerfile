# One image for every Conveyor service; SERVICES picks which ones a container runs.
# TypeScript runs through tsx (a runtime dependency), so there is no build step.

# deps: the full dependency tree from the lockfile.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# prod-deps: the same tree without devDependencies (tsx stays: it is in "dependencies").
FROM deps AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund

# runtime: production dependencies (with tsx) and the sources, run as the unprivileged `node` user.
FROM node:20-bookworm-slim AS runtime
# npm_config_script_shell: bash execs `node --require tsx/cjs scripts/start.ts` in place of itself, so the SIGTERM that
# npm forwards reaches the broker and workers drain; dash, the default sh, does not pass it on
# (docs/decisions.md, entry 10).
ENV NODE_ENV=production \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_script_shell=/bin/bash
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json moleculer.config.ts ./
COPY config ./config
COPY shared ./shared
COPY services ./services
COPY scripts ./scripts
COPY cli ./cli
COPY bin ./bin
# `conveyor` on the PATH, e.g. `docker compose exec api conveyor inspect active`.
RUN ln -s /app/bin/conveyor.js /usr/local/bin/conveyor
# The uploads volume takes this directory's owner when Docker first creates it.
RUN mkdir -p /data/uploads && chown node:node /data/uploads
USER node
EXPOSE 3000
CMD ["npm", "start"]

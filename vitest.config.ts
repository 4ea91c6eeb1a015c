import { createLogger } from "vite";
import { defineConfig } from "vitest/config";

// @actions/workflow-parser ships source maps that point to sources it does not ship; vite says so for
// each of its files when it transforms them (see server.deps.inline below). Nothing else is dropped.
const logger = createLogger();
const noise = /^Sourcemap for ".*\/node_modules\/@actions\/workflow-parser\/.*" points to missing source files$/;
const warnOnce = logger.warnOnce.bind(logger);
logger.warnOnce = (msg, options) => {
  if (!noise.test(msg)) warnOnce(msg, options);
};

export default defineConfig({
  customLogger: logger,
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // @actions/workflow-parser imports its JSON schemas without `with { type: "json" }`, which only a
    // bundler accepts: let vite transform it instead of Node loading it as is.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});

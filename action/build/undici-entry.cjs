/**
 * What the action's bundle has for `undici` (dist/undici.js): the dispatcher classes the provider call
 * uses (core/http.ts) and the ProxyAgent of @actions/http-client, loaded at once; everything else
 * undici offers (fetch for Octokit, mocks, interceptors, caches, WebSocket…) only on first use, by
 * loading undici's own index. The plain gate never evaluates that half. Not hand-written HTTP: every
 * export is undici's own code.
 */
"use strict";
const Dispatcher = require("undici/lib/dispatcher/dispatcher");
const api = require("undici/lib/api");

// as undici's index does: request(), stream()… on every dispatcher
Object.assign(Dispatcher.prototype, api);

let full;
const all = () => {
  if (full === undefined) full = require("undici/index.js");
  return full;
};

module.exports = {
  Dispatcher,
  Agent: require("undici/lib/dispatcher/agent"),
  Pool: require("undici/lib/dispatcher/pool"),
  ProxyAgent: require("undici/lib/dispatcher/proxy-agent"),
  EnvHttpProxyAgent: require("undici/lib/dispatcher/env-http-proxy-agent"),
};
// what the bundled packages use besides (@actions/github: fetch), and undici's other common names
const LAZY = ["fetch", "Headers", "Request", "Response", "FormData", "request", "Client", "errors", "getGlobalDispatcher", "setGlobalDispatcher", "buildConnector", "interceptors", "RetryAgent"];
for (const name of LAZY) Object.defineProperty(module.exports, name, { enumerable: true, get: () => all()[name] });

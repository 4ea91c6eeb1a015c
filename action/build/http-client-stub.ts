/**
 * Stands in for @actions/http-client in dist/index.js. @actions/core imports it only for OIDC tokens
 * (core.getIDToken), which this action never requests; the real module bundles its own copy of undici
 * and would nearly double the bundle and the action's start-up time. Anything that reaches it fails loudly.
 */
const MESSAGE = "@actions/http-client is not part of this bundle (the action does not request OIDC tokens)";

export class HttpClient {
  constructor() {
    throw new Error(MESSAGE);
  }
}

export class BearerCredentialHandler {
  constructor() {
    throw new Error(MESSAGE);
  }
}

/**
 * The action: read the inputs, read the balance through core/, price the batch, report (outputs,
 * job summary, annotation), keep the tracking issue in line, and set the job's outcome.
 * The API key is masked before anything else happens and passes through redact() wherever text that
 * came from outside is printed.
 */
import * as core from "@actions/core";
import { type BudgetCheckResult, runBudgetCheck } from "../core/check.ts";
import { InputError, isInputError } from "../core/errors.ts";
import { type BatchQuote, effectivePrices, illustrativePriceTypes } from "../core/pricing.ts";
import { getProvider } from "../core/providers/registry.ts";
import type { Provider, ProviderName } from "../core/providers/types.ts";
import { proxyFromEnv, proxySecrets } from "../core/proxy.ts";
import { redact, secretForms } from "../core/redact.ts";
// type only: Octokit (action/github-api.ts) is loaded when the tracking issue is on, not before
import type { IssuesApi } from "./github-api.ts";
import { type ActionInputs, readInputs } from "./inputs.ts";
import { judge, type Outcome, type VerdictContext } from "./outcome.ts";
import { renderSummary } from "./summary.ts";
import { accountFingerprint, syncTrackingIssue, type TrackingResult } from "./tracking-issue.ts";

/** Seams for tests; the action itself uses the defaults. */
export interface RunDeps {
  readonly getProvider: (name: ProviderName) => Provider;
  readonly issuesApi: (token: string, secrets: readonly string[]) => IssuesApi | Promise<IssuesApi>;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
}

function defaultDeps(env: NodeJS.ProcessEnv): RunDeps {
  return {
    getProvider,
    env,
    now: () => new Date(),
    issuesApi: async (token, secrets) => {
      // in dist/, a file of its own (dist/tracking.js): the plain gate never loads Octokit
      const { githubIssuesApi } = await import("./github-api.ts");
      return githubIssuesApi({
        apiUrl: env.GITHUB_API_URL || "https://api.github.com",
        repository: env.GITHUB_REPOSITORY ?? "",
        token,
        secrets,
        log: { warn: (m) => core.warning(m), info: (m) => core.info(m) },
      });
    },
  };
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = env;
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined;
}

function setQuoteOutputs(q: BatchQuote): void {
  core.setOutput("balance", String(q.balance));
  core.setOutput("currency", q.currency);
  core.setOutput("required", String(q.required));
  core.setOutput("shortfall", String(q.shortfall));
  core.setOutput("covered", q.covered ? "true" : "false");
  core.setOutput("solves-remaining", JSON.stringify(q.solvesRemaining));
}

async function writeSummary(markdown: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (!env.GITHUB_STEP_SUMMARY) {
    core.info(markdown);
    return;
  }
  await core.summary.addRaw(markdown, true).write();
}

/** Reads the balance and prices the batch (core/check.ts). A missing price throws InputError first. */
async function check(inputs: ActionInputs, provider: Provider, secrets: readonly string[]): Promise<Outcome> {
  let result: BudgetCheckResult;
  try {
    result = await runBudgetCheck({
      provider,
      apiKey: inputs.apiKey,
      ...(inputs.apiUrl ? { apiUrl: inputs.apiUrl } : {}),
      ...(inputs.currency ? { currency: inputs.currency } : {}),
      batch: inputs.batch,
      priceOverrides: inputs.prices,
      declarePrice: (type) => `the prices input, e.g. "${type}: 0.002"`,
      marginBp: inputs.marginBp,
      reserve: inputs.reserve,
      retries: inputs.retries,
      deadlineMs: inputs.timeoutMs,
      onRetry: (info) =>
        core.info(
          `Attempt ${info.attempt} failed (${info.failure.reason}: ${redact(info.failure.message, secrets)}); retrying in ${(info.delayMs / 1000).toFixed(1)} s`,
        ),
    });
  } catch (err) {
    // the only input core/check.ts can refuse is a missing price
    if (isInputError(err)) throw new InputError(`Input "prices": ${err.message}`);
    throw err;
  }
  if (result.kind === "failed") {
    return { kind: "unreadable", reason: result.failure.reason, message: redact(result.failure.message, secrets), attempts: result.attempts };
  }
  const q = result.quote;
  const prices = effectivePrices(inputs.provider, q.currency, inputs.prices);
  return { kind: "checked", quote: q, illustrative: illustrativePriceTypes(inputs.provider, prices, inputs.prices, q.lines.map((l) => l.type)) };
}

export async function run(overrides: Partial<RunDeps> = {}): Promise<void> {
  // Mask the secrets before anything can print them. GitHub's masker matches exact strings, so every
  // form a secret can take in text (other case, URL- or JSON-encoded, base64) is registered too;
  // everything the action prints also goes through core/redact.ts.
  const apiKey = core.getInput("api-key");
  const token = core.getInput("github-token");
  // a runner's proxy may carry credentials (HTTPS_PROXY=http://user:password@proxy:3128)
  const proxyCredentials = proxySecrets(proxyFromEnv(overrides.env ?? process.env));
  const secrets = [apiKey, token, ...proxyCredentials].filter((s) => s !== "");
  for (const secret of secrets) for (const form of secretForms(secret)) core.setSecret(form);

  const deps: RunDeps = { ...defaultDeps(overrides.env ?? process.env), ...overrides };
  let inputs: ActionInputs;
  let outcome: Outcome;
  try {
    inputs = readInputs((name) => core.getInput(name));
    core.info(`Checking the ${inputs.provider} balance for the batch: ${inputs.batch.map((l) => `${l.type} × ${l.count}`).join(", ")}`);
    outcome = await check(inputs, deps.getProvider(inputs.provider), secrets);
  } catch (err) {
    if (isInputError(err)) {
      core.setFailed(redact(err.message, secrets));
      return;
    }
    throw err;
  }

  const ctx: VerdictContext = { provider: inputs.provider, mode: inputs.mode, onApiError: inputs.onApiError };
  const verdict = judge(outcome, ctx);
  if (outcome.kind === "checked") setQuoteOutputs(outcome.quote);
  else {
    core.setOutput("covered", "false");
    core.setOutput("reason", outcome.reason);
  }

  let summary = renderSummary(outcome, ctx);
  let trackingFailed = false;
  if (inputs.trackingIssue) {
    const t = inputs.trackingIssue;
    try {
      const res: TrackingResult = await syncTrackingIssue(await deps.issuesApi(t.token, secrets), outcome, {
        ...ctx,
        account: accountFingerprint(inputs.provider, inputs.apiKey, inputs.apiUrl),
        labels: t.labels,
        runUrl: runUrl(deps.env),
        now: deps.now(),
      });
      if (res.action !== "none") {
        core.info(`Tracking issue #${res.number} ${res.action}${res.commented ? " (commented)" : ""}.`);
        summary += `\nTracking issue: #${res.number} ${res.action}.\n`;
      }
    } catch (err) {
      trackingFailed = true;
      const msg = redact(`The tracking issue could not be updated: ${(err as Error)?.message ?? String(err)}`, secrets);
      core.error(msg, { title: "CAPTCHA balance tracking issue not updated" });
      summary += `\n❌ ${msg}\n`;
    }
  }
  await writeSummary(summary, deps.env);

  if (verdict.effect === "fail") {
    core.error(verdict.message, { title: verdict.title });
  } else if (verdict.effect === "warn") {
    core.warning(verdict.message, { title: verdict.title });
  } else {
    core.info(verdict.message);
  }
  if (verdict.effect === "fail" || trackingFailed) process.exitCode = 1;
}

/**
 * The project's GitHub workflows and action.yml, checked by GitHub's own parser
 * (@actions/workflow-parser, the one behind the Actions language service): each file must parse
 * against the workflow / action metadata schema and convert without errors. On top of what the
 * schema can know: the `uses: ./` steps pass only inputs action.yml declares (and every required
 * one), read only outputs it declares; the release moves the major tag; every `run:` is valid bash.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { convertActionTemplate, parseAction } from "@actions/workflow-parser/actions/index";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ROOT } from "../helpers/package.ts";

const WORKFLOWS = join(ROOT, ".github", "workflows");
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const read = (f: string) => readFileSync(join(WORKFLOWS, f), "utf8");

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML
type Json = Record<string, any>;

async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !parsed.value) return errors.length ? errors : ["nothing parsed"];
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return [...(template.errors ?? []).map((e) => e.Message), ...parsed.context.errors.getErrors().map((e) => e.message)];
}

function actionErrors(name: string, content: string): string[] {
  const parsed = parseAction({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !parsed.value) return errors.length ? errors : ["nothing parsed"];
  convertActionTemplate(parsed.context, parsed.value);
  return parsed.context.errors.getErrors().map((e) => e.message);
}

describe("GitHub's workflow parser", () => {
  it("finds the CI and release workflows", () => {
    expect(files.sort()).toEqual(["ci.yml", "release.yml"]);
  });

  it.each(files)("%s parses and converts without errors", async (f) => {
    expect(await workflowErrors(f, read(f))).toEqual([]);
  });

  it("rejects what GitHub would reject (the check can fail)", async () => {
    const ci = read("ci.yml");
    expect((await workflowErrors("bad.yml", ci.replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04"))).join("\n")).toMatch(/runs_on|runs-on/);
    expect((await workflowErrors("bad.yml", ci.replace("timeout-minutes: 10", "timeout-minutes: ten"))).length).toBeGreaterThan(0);
    const expr = "$" + "{{ env.SIM_KEY }}"; // an unterminated expression
    expect((await workflowErrors("bad.yml", ci.replace(expr, expr.slice(0, -2)))).length).toBeGreaterThan(0);
    expect((await workflowErrors("bad.yml", `${ci}\n  extra:\n    runs-on: ubuntu-24.04\n    needs: nowhere\n    steps:\n      - run: true\n`)).join("\n")).toMatch(/nowhere/);
  });
});

describe("action.yml against the action metadata schema", () => {
  const action = readFileSync(join(ROOT, "action.yml"), "utf8");

  it("parses and converts without errors", () => {
    expect(actionErrors("action.yml", action)).toEqual([]);
  });

  it("rejects a malformed action (the check can fail)", () => {
    expect(actionErrors("action.yml", action.replace("using: node24", "using: node99")).length).toBeGreaterThan(0);
    expect(actionErrors("action.yml", action.replace(/^runs:[\s\S]*$/m, "")).length).toBeGreaterThan(0);
    expect(actionErrors("action.yml", action.replace("inputs:", "input:")).length).toBeGreaterThan(0);
  });
});

describe("what the schema cannot know", () => {
  const action = parseYaml(readFileSync(join(ROOT, "action.yml"), "utf8")) as Json;
  const inputs = action.inputs as Record<string, { required?: boolean; default?: string }>;
  const outputs = Object.keys(action.outputs as Json);
  const ci = parseYaml(read("ci.yml")) as Json;
  const release = parseYaml(read("release.yml")) as Json;

  it("CI runs .ci/run, and runs the action itself with uses: ./ against the simulator", () => {
    const ciSteps = ci.jobs.ci.steps as Json[];
    expect(ciSteps.some((s) => typeof s.run === "string" && /bash \.ci\/run$/.test(s.run))).toBe(true);
    const steps = ci.jobs.action.steps as Json[];
    const own = steps.filter((s) => s.uses === "./");
    expect(own.length).toBeGreaterThanOrEqual(2);
    for (const s of own) {
      expect(s.with["api-url"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const k of Object.keys(s.with)) expect(Object.keys(inputs), `input ${k}`).toContain(k);
      for (const [k, v] of Object.entries(inputs)) if (v.required) expect(Object.keys(s.with), `required input ${k}`).toContain(k);
    }
    const simulator = steps.find((s) => typeof s.run === "string" && s.run.includes("simulate"));
    expect(simulator?.run).toMatch(/--port 9801/);
    const ids = new Set(own.map((s) => s.id));
    const used = JSON.stringify(steps).matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g);
    let n = 0;
    for (const [, id, out] of used) {
      n++;
      expect(ids, `step ${id}`).toContain(id);
      expect(outputs, `output ${out}`).toContain(out);
    }
    expect(n).toBeGreaterThan(0);
  });

  it("release runs on v* tags after CI, checks dist/ and the version, moves the major tag", () => {
    expect(release.on.push.tags).toEqual(["v*"]);
    expect(release.jobs.ci.uses).toBe("./.github/workflows/ci.yml");
    expect(ci.on).toHaveProperty("workflow_call");
    const job = release.jobs.release as Json;
    expect(job.needs).toBe("ci");
    expect(job.permissions).toEqual({ contents: "write" });
    const runs = (job.steps as Json[]).map((s) => String(s.run ?? ""));
    expect(runs.some((r) => r.trim() === "npm run check-dist")).toBe(true);
    expect(runs.some((r) => r.includes(`major="$` + `{GITHUB_REF_NAME%%.*}"`) && r.includes('git push --force origin "refs/tags/$major"'))).toBe(true);
  });

  it("every run: step is valid bash", () => {
    for (const f of files) {
      const wf = parseYaml(read(f)) as Json;
      for (const [name, job] of Object.entries(wf.jobs as Record<string, Json>)) {
        for (const step of (job.steps ?? []) as Json[]) {
          if (typeof step.run !== "string") continue;
          const script = step.run.replace(/\$\{\{[^}]*\}\}/g, "X");
          const r = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
          expect(r.status, `${f} ${name}: ${step.name ?? step.run}\n${r.stderr}`).toBe(0);
        }
      }
    }
  });
});

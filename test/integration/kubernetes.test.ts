/**
 * deploy/kubernetes/ rendered by the real `kubectl kustomize` (Debian's kubernetes-client; offline,
 * no cluster here), every object validated against the Kubernetes and prometheus-operator OpenAPI
 * schemas by the kubernetes-models packages, the PrometheusRule's groups checked by `promtool check
 * rules` and compared with grafana/prometheus/, and the container's arguments run by the CLI (the
 * container test runs them in the image).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { ConfigMap, PersistentVolumeClaim, Service } from "kubernetes-models/v1";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCliProcess } from "../helpers/cli.ts";
import { exporterContainer, type K8sObject, KUSTOMIZATIONS, kubectlMissing, kustomize } from "../helpers/kustomize.ts";
import { ROOT } from "../helpers/package.ts";
import { PROMTOOL, promtoolMissing } from "../helpers/prometheus.ts";

// biome-ignore lint/suspicious/noExplicitAny: the model classes' constructors take their own typed shapes
type Model = new (data: any) => { validate(): void };
const MODELS: Record<string, Model> = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

function validate(o: K8sObject): void {
  const model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!model) throw new Error(`no schema model for ${o.apiVersion} ${o.kind} (${o.metadata?.name})`);
  new model(o).validate();
}

const tmp = mkdtempSync(join(tmpdir(), "cr-k8s-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("deploy/kubernetes", () => {
  it("kubectl is installed", () => {
    const missing = kubectlMissing();
    if (missing) expect.fail(missing);
  });

  describe.skipIf(kubectlMissing() !== null).each(KUSTOMIZATIONS)("%s", (dir) => {
    const objects = kubectlMissing() === null ? kustomize(dir) : [];

    it("renders, and every object validates against its OpenAPI schema", () => {
      const kinds = objects.map((o) => o.kind).sort();
      expect(kinds).toEqual(
        dir === "overlays/sharded"
          ? ["ConfigMap", "PrometheusRule", "Service", "ServiceMonitor", "StatefulSet"]
          : ["ConfigMap", "Deployment", "PersistentVolumeClaim", "PrometheusRule", "Service", "ServiceMonitor"],
      );
      for (const o of objects) expect(() => validate(o), `${o.kind} ${o.metadata.name}`).not.toThrow();
      // the schemas do reject what a cluster would: a wrong type, an unknown enum value, a bad duration
      const broken = structuredClone(objects);
      const workload = broken.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet")!;
      workload.spec.replicas = "three";
      expect(() => validate(workload)).toThrow(/replicas must be integer/);
      const rule = broken.find((o) => o.kind === "PrometheusRule")!;
      rule.spec.groups[0].rules[0].for = "ten minutes";
      expect(() => validate(rule)).toThrow(/for must match pattern/);
      const sm = broken.find((o) => o.kind === "ServiceMonitor")!;
      sm.spec.endpoints[0].interval = "a minute";
      expect(() => validate(sm)).toThrow(/interval must match pattern/);
    });

    it("runs the exporter locked down: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp", () => {
      const workload = objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet")!;
      const pod = workload.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } });
      expect(pod.automountServiceAccountToken).toBe(false);
      const c = exporterContainer(objects);
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(c.image).toBe("localhost/captcha-runway:0.1.0");
      expect(c.livenessProbe.httpGet).toEqual({ path: "/-/healthy", port: "http-metrics" });
      expect(c.readinessProbe.httpGet).toEqual({ path: "/-/ready", port: "http-metrics" });
      expect(c.resources.requests.memory).toMatch(/^\d+Mi$/);
      expect(c.resources.limits.memory).toBe("256Mi");
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
      // keys from a Secret mounted as files, the accounts from the generated ConfigMap, state on a volume
      const volumes = Object.fromEntries((pod.volumes as K8sObject[]).map((v) => [v.name, v]));
      expect(volumes.keys.secret.secretName).toBe("captcha-runway-keys");
      const configMap = objects.find((o) => o.kind === "ConfigMap")!;
      expect(volumes.accounts.configMap.name).toBe(configMap.metadata.name);
      const accounts = parse(configMap.data["accounts.yml"]) as { accounts: K8sObject[] };
      expect(accounts.accounts.length).toBeGreaterThan(0);
      for (const a of accounts.accounts) {
        expect(a.api_key_file, a.name).toMatch(/^\/etc\/captcha-runway\/keys\/[a-z0-9-]+$/);
        expect(a.api_key, a.name).toBeUndefined();
      }
      const mounts = Object.fromEntries((c.volumeMounts as K8sObject[]).map((m) => [m.name, m]));
      expect(mounts.keys).toEqual({ name: "keys", mountPath: "/etc/captcha-runway/keys", readOnly: true });
      expect(c.args).toContain(`--config.file=${mounts.accounts.mountPath}/accounts.yml`);
      expect(c.args.find((a: string) => a.startsWith("--state.file="))).toMatch(new RegExp(`^--state.file=${mounts.state.mountPath}/`));
      if (workload.kind === "StatefulSet") {
        expect(workload.spec.volumeClaimTemplates.map((t: K8sObject) => t.metadata.name)).toEqual(["state"]);
        expect(c.args).toContain(`--total-shards=${workload.spec.replicas}`);
        expect(c.args).toContain("--shard.from-pod-name");
        expect(c.env).toContainEqual({ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
        const service = objects.find((o) => o.kind === "Service")!;
        expect(workload.spec.serviceName).toBe(service.metadata.name);
        expect(service.spec.clusterIP).toBe("None");
      } else expect(volumes.state.persistentVolumeClaim.claimName).toBe(objects.find((o) => o.kind === "PersistentVolumeClaim")!.metadata.name);
    });

    it("the ServiceMonitor scrapes the Service's port of the exporter's pods, once a minute", () => {
      const sm = objects.find((o) => o.kind === "ServiceMonitor")!;
      const services = objects.filter((o) => o.kind === "Service");
      // one Service only: two matching Services would scrape every pod twice
      expect(services.filter((s) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v))).toHaveLength(1);
      const service = services[0]!;
      expect(sm.spec.endpoints).toEqual([{ port: service.spec.ports[0].name, path: "/metrics", interval: "60s", scrapeTimeout: "10s" }]);
      const workload = objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet")!;
      expect(Object.entries(service.spec.selector).every(([k, v]) => workload.spec.template.metadata.labels[k] === v)).toBe(true);
      expect(exporterContainer(objects).ports).toEqual([{ name: service.spec.ports[0].targetPort, containerPort: 9877, protocol: "TCP" }]);
    });

    it("the PrometheusRule holds grafana/prometheus/alerts.yml and rules.yml, and promtool accepts its groups", () => {
      const rule = objects.find((o) => o.kind === "PrometheusRule")!;
      const sources = ["alerts.yml", "rules.yml"].flatMap((f) => (parse(readFileSync(join(ROOT, "grafana/prometheus", f), "utf8")) as K8sObject).groups);
      expect(rule.spec.groups).toEqual(sources);
      const missing = promtoolMissing();
      if (missing) expect.fail(missing);
      const file = join(tmp, `${dir.replaceAll("/", "-")}-rules.yml`);
      writeFileSync(file, JSON.stringify({ groups: rule.spec.groups }));
      const r = spawnSync(PROMTOOL, ["check", "rules", file], { encoding: "utf8" });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      const count = sources.reduce((n: number, g: K8sObject) => n + g.rules.length, 0);
      expect(r.stdout).toContain(`SUCCESS: ${count} rules found`);
    });

    it("the container's arguments are flags the exporter accepts (run by the CLI against a copy of the rendered files)", async () => {
      const c = exporterContainer(objects);
      const help = await runCliProcess(["exporter", "--help"]);
      expect(help.code).toBe(0);
      for (const a of c.args.slice(1) as string[]) expect(help.stdout, a).toContain(a.split("=")[0]);
      expect(c.args[0]).toBe("exporter");
      // the same arguments, with the mount paths moved under a temporary directory; a state file that
      // cannot be written would exit 2, a flag the CLI does not know too
      const root = mkdtempSync(join(tmp, "args-"));
      const moved = (c.args as string[]).map((a) => a.replace(/=\/(etc|var)\//, `=${root}/$1/`).replace("=:9877", "=127.0.0.1:1"));
      const configMap = objects.find((o) => o.kind === "ConfigMap")!;
      mkdirSync(join(root, "etc/captcha-runway/config"), { recursive: true });
      mkdirSync(join(root, "var/lib/captcha-runway"), { recursive: true });
      writeFileSync(join(root, "etc/captcha-runway/config/accounts.yml"), configMap.data["accounts.yml"]);
      const r = await runCliProcess(moved, { POD_NAME: "captcha-runway-0" });
      // the key files are not there (the Secret is the user's): the exporter names the first one, exit 2
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/\/etc\/captcha-runway\/keys\/[a-z0-9-]+/);
      expect(r.stderr).not.toMatch(/Unknown argument|--total-shards:|--shard/);
    });
  });
});

describe("the committed PrometheusRule", () => {
  it("is what npm run k8s:rules writes from grafana/prometheus/ (fails when they drift)", async () => {
    const { renderPrometheusRule, PROMETHEUS_RULE_FILE } = await import("../../scripts/prometheus-rule.ts");
    const committed = readFileSync(join(ROOT, PROMETHEUS_RULE_FILE), "utf8");
    expect(committed, "deploy/kubernetes/common/prometheusrule.yaml is stale: run npm run k8s:rules").toBe(renderPrometheusRule(ROOT));
    // and the renderer does see a change in the sources
    const copy = mkdtempSync(join(tmp, "drift-"));
    cpSync(join(ROOT, "grafana"), join(copy, "grafana"), { recursive: true });
    const alerts = join(copy, "grafana/prometheus/alerts.yml");
    writeFileSync(alerts, readFileSync(alerts, "utf8").replace("expr: captcha_balance < 5", "expr: captcha_balance < 7"));
    expect(renderPrometheusRule(copy)).not.toBe(committed);
    expect(renderPrometheusRule(copy)).toContain("expr: captcha_balance < 7");
  });
});

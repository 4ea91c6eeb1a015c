/** Renders deploy/kubernetes/ with Debian's kubectl (`kubectl kustomize`, offline; no cluster). */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ROOT } from "./package.ts";

export const KUBECTL = process.env.KUBECTL_BIN ?? "kubectl";
export const KUSTOMIZATIONS = ["base", "overlays/several-accounts", "overlays/sharded"] as const;

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects, whose shape the models validate
export type K8sObject = Record<string, any>;

export function kubectlMissing(): string | null {
  const r = spawnSync(KUBECTL, ["version", "--client"], { encoding: "utf8" });
  return r.status === 0 ? null : `kubectl not found (${KUBECTL}): apt-get install kubernetes-client`;
}

/** The objects `kubectl kustomize` renders for one kustomization under deploy/kubernetes/ (or any directory). */
export function kustomize(dir: string): K8sObject[] {
  const path = dir.startsWith("/") ? dir : join(ROOT, "deploy/kubernetes", dir);
  const r = spawnSync(KUBECTL, ["kustomize", path], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${path} failed (${r.status}): ${r.stderr}${r.error ?? ""}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject);
}

/** The exporter container of a rendered Deployment or StatefulSet. */
export function exporterContainer(objects: readonly K8sObject[]): K8sObject {
  const workload = objects.find((o) => o.kind === "Deployment" || o.kind === "StatefulSet");
  if (!workload) throw new Error("no Deployment or StatefulSet rendered");
  const c = (workload.spec.template.spec.containers as K8sObject[]).find((x) => x.name === "exporter");
  if (!c) throw new Error("no container named exporter");
  return c;
}

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { execFileSync } from "node:child_process";
import { configSchema, loadConfig } from "../../config";
import { taskCatalog } from "../../services/task-catalog";

/** deploy/kubernetes cannot be applied here (no cluster), so every manifest is validated against the Kubernetes and KEDA schemas. */
const root = path.join(__dirname, "..", "..");
const dir = path.join(root, "deploy", "kubernetes");

interface Manifest {
  kind: string;
  apiVersion: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const manifests: Manifest[] = readdirSync(dir)
  .filter((file) => file.endsWith(".yaml"))
  .flatMap((file) => parseAllDocuments(readFileSync(path.join(dir, file), "utf8")).map((doc) => doc.toJS() as Manifest));

type Container = { env?: { name: string; value: string }[]; readinessProbe?: { httpGet: { path: string } }; livenessProbe?: { httpGet: { path: string } } };
type DeploymentSpec = { template: { spec: { terminationGracePeriodSeconds: number; containers: Container[] } } };

const deployments = manifests.filter((manifest) => manifest.kind === "Deployment");
const servicesOf = (manifest: Manifest) =>
  ((manifest.spec as DeploymentSpec).template.spec.containers[0].env ?? []).find((entry) => entry.name === "SERVICES")?.value.split(",") ?? [];

describe("Kubernetes manifests (deploy/kubernetes)", () => {
  it("are all valid against the Kubernetes and KEDA schemas", () => {
    const output = execFileSync(process.execPath, [path.join(root, "test", "support", "validate-manifests.mjs"), dir], { encoding: "utf8" });
    const results = JSON.parse(output) as { file: string; kind: string; name: string; error: string | null }[];
    expect(results).toHaveLength(manifests.length);
    expect(results.length).toBeGreaterThanOrEqual(10);
    expect(results.filter((result) => result.error !== null)).toEqual([]);
    expect(new Set(results.map((result) => result.kind))).toEqual(new Set(["ConfigMap", "PersistentVolumeClaim", "Secret", "Deployment", "Service", "TriggerAuthentication", "ScaledObject"]));
  });

  it("run every service from the one image, with probes on /ready and /health, and a grace longer than the worker's", () => {
    const settings = loadConfig({ ...(manifests.find((manifest) => manifest.kind === "ConfigMap")?.data ?? {}) });
    const started = new Set(deployments.flatMap(servicesOf));
    for (const file of readdirSync(path.join(root, "services")).filter((name) => name.endsWith(".service.ts"))) {
      expect(started).toContain(file.replace(".service.ts", ""));
    }
    for (const name of started) expect(existsSync(path.join(root, "services", `${name}.service.ts`))).toBe(true);
    for (const deployment of deployments) {
      const spec = (deployment.spec as DeploymentSpec).template.spec;
      expect(spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(settings.SHUTDOWN_GRACE_MS);
      const [container] = spec.containers;
      if (servicesOf(deployment).includes("gateway")) {
        expect([container.readinessProbe?.httpGet.path, container.livenessProbe?.httpGet.path]).toEqual(["/ready", "/health"]);
      } else {
        expect(container.readinessProbe?.httpGet.path).toBe("/metrics");
      }
      // Conveyor's settings, or NODE_OPTIONS, which Node itself reads (the worker's young generation).
      for (const entry of container.env ?? []) expect([...Object.keys(configSchema.shape), "NODE_OPTIONS"]).toContain(entry.name);
    }
    for (const key of Object.keys(manifests.find((manifest) => manifest.kind === "Secret")?.stringData ?? {})) {
      if (key !== "RABBITMQ_URL") expect(Object.keys(configSchema.shape)).toContain(key); // RABBITMQ_URL is KEDA's
    }
  });

  it("scale each worker Deployment with a KEDA ScaledObject on the queue its services consume", () => {
    const scaled = manifests.filter((manifest) => manifest.kind === "ScaledObject");
    const queuesOf = (services: string[]) => {
      const queues = new Set<string>();
      for (const task of taskCatalog.values()) {
        const owner = task.name.startsWith("demo.") ? "demo" : task.name.startsWith("webhooks.") ? "webhooks" : task.name.startsWith("ai.") ? "enrichment" : task.name.startsWith("documents.") ? "documents" : "ingestion";
        if (services.includes(owner)) queues.add(task.queue);
      }
      return queues;
    };
    const workerDeployments = deployments.filter((deployment) => queuesOf(servicesOf(deployment)).size > 0);
    expect(scaled.map((object) => (object.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name).sort()).toEqual(
      workerDeployments.map((deployment) => deployment.metadata.name).sort(),
    );
    for (const object of scaled) {
      const spec = object.spec as { scaleTargetRef: { name: string }; triggers: { type: string; metadata: { queueName: string } }[] };
      const target = deployments.find((deployment) => deployment.metadata.name === spec.scaleTargetRef.name)!;
      const [trigger] = spec.triggers;
      expect(trigger.type).toBe("rabbitmq");
      expect([...queuesOf(servicesOf(target))].map((queue) => `conveyor.${queue}`)).toContain(trigger.metadata.queueName);
    }
  });
});

// Validates every manifest in deploy/kubernetes against the Kubernetes and KEDA JSON schemas
// (kubernetes-models, @kubernetes-models/keda). They ship as ES modules only, which jest's CommonJS
// run cannot load, so test/unit/kubernetes-manifests.test.ts runs this with node and reads its
// answer: one JSON line, [{ file, kind, name, error }] for each manifest (error null when valid).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1";
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from "kubernetes-models/v1";
import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";

const MODELS = { Deployment, Service, ConfigMap, Secret, PersistentVolumeClaim, ScaledObject, TriggerAuthentication };
const dir = process.argv[2];
const results = [];
for (const file of readdirSync(dir).filter((name) => name.endsWith(".yaml")).sort()) {
  for (const doc of parseAllDocuments(readFileSync(path.join(dir, file), "utf8"))) {
    const manifest = doc.toJS();
    const Model = MODELS[manifest.kind];
    let error = Model ? null : `no schema for kind ${manifest.kind}`;
    if (Model) {
      try {
        new Model(manifest).validate();
      } catch (thrown) {
        error = thrown.message;
      }
    }
    results.push({ file, kind: manifest.kind, name: manifest.metadata?.name, error });
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);

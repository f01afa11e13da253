import { execFileSync } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const HEAVY = ["mammoth", "pdf-parse", "wink-nlp", "wink-eng-lite-web-model"];

/** The npm packages a fresh Node process has loaded after requiring `modules` (TypeScript through tsx). */
function packagesLoadedBy(modules: string[]): string[] {
  const script = `
    for (const file of ${JSON.stringify(modules)}) require(file);
    const names = Object.keys(require.cache).map((file) => (file.match(/node_modules\\/((@[^/]+\\/)?[^/]+)\\//) || [])[1]);
    process.stdout.write(JSON.stringify([...new Set(names.filter(Boolean))]));`;
  const output = execFileSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(output) as string[];
}

describe("task declarations apart from their code", () => {
  it("lets the catalog, the jobs service and the gateway load without the tasks' libraries", () => {
    const loaded = packagesLoadedBy(["./services/task-catalog", "./services/jobs.service", "./services/gateway.service"]);
    expect(loaded).toContain("zod"); // the check sees what was loaded
    expect(loaded.filter((name) => HEAVY.includes(name))).toEqual([]);
  });

  it("still loads them where the tasks run", () => {
    const loaded = packagesLoadedBy(["./services/documents.tasks", "./services/enrichment.tasks"]);
    expect(HEAVY.filter((name) => loaded.includes(name))).toEqual(HEAVY);
  });
});

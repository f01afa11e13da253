import fs from "node:fs";
import path from "node:path";

/**
 * No folder-level import cycles: if a file in folder A imports one in folder B, nothing in B (or
 * below it, transitively) imports back into A. Types two folders share live with the lower one.
 */
const ROOT = path.resolve(__dirname, "../..");
const SOURCE_FOLDERS = ["shared", "services", "config"];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

function importedFiles(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((match) => match[1]);
  return specs.flatMap((spec) => {
    const base = path.resolve(path.dirname(file), spec);
    const found = [`${base}.ts`, path.join(base, "index.ts")].find((candidate) => fs.existsSync(candidate));
    return found ? [found] : [];
  });
}

/** Folder → the folders its files import from (its own excluded). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const top of SOURCE_FOLDERS) {
    for (const file of sourceFiles(path.join(ROOT, top))) {
      const from = path.relative(ROOT, path.dirname(file));
      const edges = graph.get(from) ?? new Set<string>();
      graph.set(from, edges);
      for (const target of importedFiles(file)) {
        const to = path.relative(ROOT, path.dirname(target));
        if (to !== from) edges.add(to);
      }
    }
  }
  return graph;
}

function findCycles(graph: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "visiting");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "visiting") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe("source layout", () => {
  it("has no folder-level import cycles", () => {
    const cycles = findCycles(folderGraph()).map((cycle) => cycle.join(" -> "));
    expect(cycles).toEqual([]);
  });
});

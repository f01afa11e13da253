import fs from "node:fs";
import path from "node:path";

/**
 * README's layout map lists every folder of the project, and only folders that exist. A new folder
 * needs one line in the map's code block (under "### Layout"): `the/folder/   what it holds`.
 */
const ROOT = path.resolve(__dirname, "../..");

/** Folders .gitignore names (`name/` anywhere, `/name/` at the top only), and dot folders other than .ci. */
function isIgnored(relative: string): boolean {
  const name = path.posix.basename(relative);
  if (name.startsWith(".") && relative !== ".ci") return true;
  const patterns = fs.readFileSync(path.join(ROOT, ".gitignore"), "utf8").split("\n").filter((line) => line.endsWith("/"));
  return patterns.some((pattern) => (pattern.startsWith("/") ? pattern === `/${relative}/` : pattern === `${name}/`));
}

function projectFolders(dir = ROOT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (!entry.isDirectory()) return [];
    const full = path.join(dir, entry.name);
    const relative = path.relative(ROOT, full).split(path.sep).join("/");
    return isIgnored(relative) ? [] : [`${relative}/`, ...projectFolders(full)];
  });
}

/** The folders the README's layout map lists: the first word of each line of its code block that ends in `/`. */
function mappedFolders(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^### Layout$/m)[1];
  if (!section) throw new Error('README.md has no "### Layout" section');
  const block = section.split("```")[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((word) => word.endsWith("/"));
}

describe("README layout map", () => {
  it("lists every folder of the project, and none that does not exist", () => {
    const existing = projectFolders().sort();
    const mapped = mappedFolders().sort();
    expect(existing.length).toBeGreaterThan(30);
    expect({ notInReadmeMap: existing.filter((folder) => !mapped.includes(folder)) }).toEqual({ notInReadmeMap: [] });
    expect({ mappedButMissing: mapped.filter((folder) => !existing.includes(folder)) }).toEqual({ mappedButMissing: [] });
  });
});

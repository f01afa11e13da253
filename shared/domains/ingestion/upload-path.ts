import path from "node:path";

/**
 * The folder of UPLOAD_DIR whose files an organization's `file` ingestions may read:
 * `<UPLOAD_DIR>/organizations/<organizationId>/`. No organization reads another's files.
 */
export const organizationUploadDir = (uploadDir: string, organizationId: string) => path.join(uploadDir, "organizations", organizationId);

/**
 * The absolute path of `file` inside `uploadDir`, or undefined when it would point elsewhere
 * (`../`, an absolute path outside, a NUL byte). Only files under UPLOAD_DIR may be ingested.
 */
export function pathInsideUploads(uploadDir: string, file: string): string | undefined {
  if (file.includes("\0")) return undefined;
  const root = path.resolve(uploadDir);
  const resolved = path.resolve(root, file);
  const relative = path.relative(root, resolved);
  if (relative === "" || relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return undefined;
  return resolved;
}

import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { PermanentError } from "../../engine/tasks/task-errors";
import { commonOptions, IngestionProvider } from "./provider";
import { recordFilterSchema } from "./record-filter";
import { rowsOf, STREAM_FORMATS, StreamFormat } from "./row-streams";
import { rowsConsumed, streamBatches } from "./stream-batches";
import { pathInsideUploads } from "./upload-path";

const formatOf = (file: string): StreamFormat | undefined => {
  const extension = path.extname(file).toLowerCase();
  if (extension === ".csv") return "csv";
  if (extension === ".ndjson" || extension === ".jsonl") return "ndjson";
  return undefined;
};

/**
 * CSV or NDJSON files under UPLOAD_DIR (uploaded, or put there by another job), streamed from disk.
 * The checkpoint is the count of rows consumed, so a resumed attempt skips what was written.
 */
export function fileProvider(uploadDir: string) {
  const options = commonOptions
    .extend({
      /** Relative to UPLOAD_DIR; nothing outside it can be read. */
      path: z.string().min(1).max(1_000),
      /** Defaults to the file's extension: .csv, or .ndjson / .jsonl. */
      format: z.enum(STREAM_FORMATS).optional(),
    })
    .strict()
    .superRefine((value, ctx) => {
      if (!pathInsideUploads(uploadDir, value.path)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["path"], message: "must be a file inside the upload directory (UPLOAD_DIR)" });
      } else if (!value.format && !formatOf(value.path)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["format"], message: "give csv or ndjson: the file's extension does not say" });
      }
    })
    .transform((value) => ({ ...value, format: value.format ?? (formatOf(value.path) as StreamFormat) }));

  const provider: IngestionProvider<z.infer<typeof options>> = {
    name: "file",
    description: "CSV (with a header row) or NDJSON files inside UPLOAD_DIR, streamed from disk.",
    options,
    filters: recordFilterSchema,
    source: (parsed) => parsed.source ?? `file:${path.normalize(parsed.path)}`,
    async *read({ options: parsed, checkpoint, signal }) {
      const file = await openable(uploadDir, parsed.path);
      const { size } = await stat(file);
      const input = createReadStream(file, { signal, highWaterMark: 256 * 1024 });
      // Progress by bytes: the row count of a file is unknown until it has been read.
      const fraction = () => (size === 0 ? 1 : Math.min(1, input.bytesRead / size));
      try {
        yield* streamBatches(rowsOf(parsed.format, input), parsed.batchSize, rowsConsumed(checkpoint), signal, fraction);
      } finally {
        input.destroy();
      }
    },
  };
  return provider;
}

/** The file's real path, refused when missing or when a symlink leads out of UPLOAD_DIR. */
async function openable(uploadDir: string, file: string): Promise<string> {
  const resolved = pathInsideUploads(uploadDir, file);
  if (!resolved) throw new PermanentError(`${file} is not inside the upload directory`);
  let real: string;
  try {
    real = await realpath(resolved);
  } catch {
    throw new PermanentError(`File ${file} does not exist in the upload directory`);
  }
  const root = await realpath(uploadDir).catch(() => path.resolve(uploadDir));
  if (!pathInsideUploads(root, path.relative(root, real))) throw new PermanentError(`${file} leads outside the upload directory`);
  return real;
}

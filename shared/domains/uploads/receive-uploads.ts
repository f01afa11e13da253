import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import path from "node:path";
import type { Readable } from "node:stream";
import { once } from "node:events";
import { finished, pipeline } from "node:stream/promises";
import busboy from "busboy";
import { contentMismatch, DOCUMENT_TYPES, DocumentContentType, extensionOf, SNIFF_BYTES } from "../documents/document-types";
import { sanitizeFilename } from "./sanitize-filename";

export interface UploadLimits {
  /** Where accepted files are written, under generated names. */
  dir: string;
  /** A file longer than this is cut off while streaming and rejected. */
  maxBytes: number;
  /** Files beyond this are not read; `tooManyFiles` says so. */
  maxFiles: number;
}

export type UploadRejection = "too-large" | "unsupported-type" | "content-mismatch";

export type ReceivedFile =
  | { accepted: true; originalName: string; storedPath: string; contentType: DocumentContentType; size: number }
  | { accepted: false; originalName: string; rejection: UploadRejection; reason: string };

export interface ReceivedUpload {
  /** Plain form fields (the last value wins). */
  fields: Record<string, string>;
  /** In the order they arrived. */
  files: ReceivedFile[];
  tooManyFiles: boolean;
}

/** Thrown when the body is not multipart/form-data, or breaks off; nothing it wrote is left behind. */
export class MalformedUploadError extends Error {
  override name = "MalformedUploadError";
  constructor(
    message: string,
    readonly notMultipart: boolean,
  ) {
    super(message);
  }
}

/**
 * Streams a multipart/form-data body to disk without buffering any file whole. Each file's extension
 * must be an allowed document type and its first bytes must agree with it; a file over `maxBytes` is
 * truncated by busboy, then deleted. Rejected files are drained and discarded, so the others in the
 * same request still arrive.
 */
export async function receiveUploads(body: Readable, headers: IncomingHttpHeaders, limits: UploadLimits): Promise<ReceivedUpload> {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers,
      // busboy marks a file truncated on reaching fileSize, so one byte more tells "over the limit" from "exactly at it".
      limits: { fileSize: limits.maxBytes + 1, files: limits.maxFiles, fields: 20, fieldSize: 1024, parts: limits.maxFiles + 20 },
    });
  } catch (error) {
    throw new MalformedUploadError(`Expected a multipart/form-data body: ${(error as Error).message}`, true);
  }
  await mkdir(limits.dir, { recursive: true });
  const fields: Record<string, string> = {};
  const pending: Promise<ReceivedFile>[] = [];
  const streams: Readable[] = [];
  let tooManyFiles = false;
  parser.on("field", (name, value) => {
    fields[name] = value;
  });
  parser.on("filesLimit", () => {
    tooManyFiles = true;
  });
  parser.on("file", (_field, stream, info) => {
    streams.push(stream);
    const received = receiveFile(stream, sanitizeFilename(info.filename ?? ""), limits);
    // Settled below, once the body is read; until then a failed file must not count as unhandled.
    received.catch(() => undefined);
    pending.push(received);
  });
  let parseError: Error | undefined;
  try {
    await pipeline(body, parser);
  } catch (error) {
    parseError = error as Error;
    // A body cut off mid-file leaves that file's stream open forever unless it is ended here.
    for (const stream of streams) stream.destroy(parseError);
  }
  // Every file settles before anything is decided, so none is still being written when the request
  // is refused: a refused or broken upload leaves no file behind (a failed file removes its own).
  const settled = await Promise.allSettled(pending);
  const files = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failure = parseError ?? settled.find((result): result is PromiseRejectedResult => result.status === "rejected")?.reason;
  if (failure) {
    await removeStored(files);
    if (isDiskFull(failure)) throw failure;
    throw new MalformedUploadError(`The upload could not be read: ${(failure as Error).message}`, false);
  }
  return { fields, files, tooManyFiles };
}

/** The disk (or the upload directory's quota) is full: the server's trouble, answered 507. */
export const isDiskFull = (error: unknown) => ["ENOSPC", "EDQUOT"].includes((error as NodeJS.ErrnoException)?.code ?? "");

/** Deletes the files an upload stored, when the request as a whole is refused. */
export async function removeStored(files: ReceivedFile[]): Promise<void> {
  await Promise.all(files.map((file) => (file.accepted ? rm(file.storedPath, { force: true }) : undefined)));
}

async function receiveFile(stream: Readable & { truncated?: boolean }, originalName: string, limits: UploadLimits): Promise<ReceivedFile> {
  const extension = extensionOf(originalName);
  if (!extension) {
    stream.resume();
    await once(stream, "close").catch(() => undefined);
    const allowed = Object.keys(DOCUMENT_TYPES).join(", ");
    return { accepted: false, originalName, rejection: "unsupported-type", reason: `only ${allowed} files are accepted` };
  }
  // The generated name is the only path that reaches the file system; the client's name is just shown.
  const storedPath = path.join(limits.dir, `${randomUUID()}${extension}`);
  const out = createWriteStream(storedPath, { flags: "wx" });
  // A write error (ENOSPC) is kept, not thrown: the rest of the body is still read, so the request
  // can be answered (507) and the other parts settle. An 'error' nobody listens to would end the process.
  let writeError: Error | undefined;
  out.on("error", (error) => {
    writeError ??= error;
  });
  const head: Buffer[] = [];
  let headLength = 0;
  let sniffed = false;
  let mismatch: string | undefined;
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (mismatch || writeError) continue; // drain the rest so later parts of the body can be read
      if (!sniffed) {
        head.push(chunk);
        headLength += chunk.length;
        if (headLength >= SNIFF_BYTES) {
          sniffed = true;
          mismatch = contentMismatch(extension, Buffer.concat(head).subarray(0, SNIFF_BYTES));
          if (mismatch) continue;
        }
      }
      // One chunk in flight at a time: memory stays bounded and a failed write is seen at once.
      await new Promise<void>((resolve) => out.write(chunk, () => resolve()));
    }
    if (!sniffed) mismatch = contentMismatch(extension, Buffer.concat(head));
    out.end();
    await finished(out);
  } catch (error) {
    writeError ??= error as Error;
  }
  if (writeError) {
    out.destroy();
    await rm(storedPath, { force: true });
    throw writeError;
  }
  if (stream.truncated) {
    await rm(storedPath, { force: true });
    return { accepted: false, originalName, rejection: "too-large", reason: `the file is larger than ${limits.maxBytes} bytes` };
  }
  if (mismatch) {
    await rm(storedPath, { force: true });
    return { accepted: false, originalName, rejection: "content-mismatch", reason: `${extension} file rejected: ${mismatch}` };
  }
  return { accepted: true, originalName, storedPath, contentType: DOCUMENT_TYPES[extension], size };
}

import type { ServerResponse } from "node:http";
import type { IncomingRequest } from "moleculer-web";
import { config } from "../../config";
import { apiPath } from "../../shared/http/api-paths";
import { ApiError, validationFailed } from "../../shared/http/api-errors";
import type { PublicDocument } from "../../shared/db/documents/document-record";
import { chunkOptionsSchema } from "../../shared/domains/documents/chunk-text";
import { leastChunks } from "../../shared/domains/documents/least-chunks";
import { isDiskFull, MalformedUploadError, ReceivedFile, ReceivedUpload, receiveUploads, removeStored, UploadRejection } from "../../shared/domains/uploads/receive-uploads";
import { sendError, sendJson, toErrorResponse } from "./error-response";

/** The most files one batch upload may carry. */
export const MAX_BATCH_FILES = 10;

const REJECTION_STATUS: Record<UploadRejection, { status: number; code: string }> = {
  "too-large": { status: 413, code: "PAYLOAD_TOO_LARGE" },
  "unsupported-type": { status: 415, code: "UNSUPPORTED_FILE_TYPE" },
  "content-mismatch": { status: 422, code: "CONTENT_TYPE_MISMATCH" },
};

type Accepted = Extract<ReceivedFile, { accepted: true }>;

/** What a failed upload answers: its own 4xx, 507 when the disk is full, else the error as it is. */
function uploadError(error: unknown): unknown {
  if (error instanceof MalformedUploadError) return new ApiError(error.notMultipart ? 415 : 400, "MALFORMED_UPLOAD", error.message);
  if (isDiskFull(error)) return new ApiError(507, "INSUFFICIENT_STORAGE", "The server has no room for the upload right now; try again later");
  return error;
}

/**
 * `POST /api/v1/documents` (one file) and `POST /api/v1/documents/batch` (up to 10): the request
 * body is streamed to UPLOAD_DIR by shared/domains/uploads, then each accepted file becomes a document and a
 * `documents.process` job through the `documents.create` action. Answers 202; a batch answers per file.
 */
export async function handleDocumentUpload(req: IncomingRequest, res: ServerResponse, batch: boolean): Promise<void> {
  let upload: ReceivedUpload | undefined;
  const handedOver = new Set<string>();
  try {
    const settings = config();
    const maxFiles = batch ? MAX_BATCH_FILES : 1;
    upload = await receiveUploads(req, req.headers, { dir: settings.UPLOAD_DIR, maxBytes: settings.UPLOAD_MAX_BYTES, maxFiles });
    const options = chunkOptionsSchema.safeParse(upload.fields);
    if (!options.success) throw validationFailed("Invalid upload options", options.error.issues);
    if (upload.tooManyFiles) {
      throw new ApiError(413, "TOO_MANY_FILES", batch ? `A batch holds at most ${MAX_BATCH_FILES} files` : "Send one file (use /documents/batch for several)");
    }
    if (upload.files.length === 0) throw new ApiError(422, "NO_FILE", "The multipart body holds no file");
    const { chunkSize } = options.data;
    const overflowing = upload.files.find((file): file is Accepted => file.accepted && leastChunks(file.contentType, file.size, chunkSize) > settings.DOCUMENT_MAX_CHUNKS);
    if (overflowing) {
      const least = leastChunks(overflowing.contentType, overflowing.size, chunkSize);
      throw new ApiError(422, "TOO_MANY_CHUNKS", `${overflowing.originalName} would make at least ${least} chunks at chunkSize ${chunkSize}; a document may make ${settings.DOCUMENT_MAX_CHUNKS} (DOCUMENT_MAX_CHUNKS): use a larger chunkSize`);
    }
    const create = async (file: Accepted) => {
      const document = await req.$ctx.call<PublicDocument, object>("documents.create", {
        storedPath: file.storedPath,
        originalName: file.originalName,
        contentType: file.contentType,
        size: file.size,
        ...options.data,
      });
      handedOver.add(file.storedPath);
      return document;
    };
    if (!batch) {
      const [file] = upload.files;
      if (!file.accepted) throw new ApiError(REJECTION_STATUS[file.rejection].status, REJECTION_STATUS[file.rejection].code, `${file.originalName}: ${file.reason}`);
      const document = await create(file);
      res.setHeader("Location", apiPath("documents", document.id));
      sendJson(res, 202, document);
      return;
    }
    const items = [];
    for (const file of upload.files) {
      if (!file.accepted) {
        items.push({ filename: file.originalName, status: "rejected", reason: file.reason });
        continue;
      }
      try {
        const document = await create(file);
        items.push({ filename: file.originalName, status: "queued", documentId: document.id, jobId: document.job?.id, statusUrl: document.job?.statusUrl });
      } catch (error) {
        // The files before it are queued already, so this one is rejected on its own.
        await removeStored([file]);
        items.push({ filename: file.originalName, status: "rejected", reason: `could not be queued: ${toErrorResponse(error).body.error.message}` });
      }
    }
    sendJson(res, 202, { items });
  } catch (error) {
    // Files of a refused request are not kept; those handed to documents.create belong to their document.
    if (upload && !res.headersSent) {
      await removeStored(upload.files.filter((file) => !(file.accepted && handedOver.has(file.storedPath))));
    }
    if (!res.headersSent) sendError(res, uploadError(error));
  }
}

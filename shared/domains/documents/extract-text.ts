import { readFile } from "node:fs/promises";
import mammoth from "mammoth";
import { PDFParse } from "pdf-parse";
import { PermanentError } from "../../engine/tasks/task-errors";
import type { DocumentContentType } from "./document-types";

/**
 * A document's plain text. PDF through pdf-parse (pdf.js), DOCX through mammoth, text and markdown
 * as UTF-8 (markdown is kept as written: its markup is mostly words too). A file that cannot be read
 * as its type is a PermanentError: retrying a corrupt file would fail the same way.
 */
export async function extractText(storedPath: string, contentType: DocumentContentType): Promise<string> {
  const data = await readFile(storedPath);
  switch (contentType) {
    case "application/pdf":
      return extractPdf(data);
    case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
      return extractDocx(data);
    case "text/plain":
    case "text/markdown":
      return decodeUtf8(data);
  }
}

async function extractPdf(data: Buffer): Promise<string> {
  const parser = new PDFParse({ data });
  try {
    return (await parser.getText()).text;
  } catch (error) {
    throw new PermanentError(`The PDF could not be read (corrupt or encrypted?): ${(error as Error).message}`);
  } finally {
    await parser.destroy();
  }
}

async function extractDocx(buffer: Buffer): Promise<string> {
  try {
    return (await mammoth.extractRawText({ buffer })).value;
  } catch (error) {
    throw new PermanentError(`The DOCX could not be read (corrupt, or another kind of ZIP file?): ${(error as Error).message}`);
  }
}

function decodeUtf8(data: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    throw new PermanentError("The text file is not valid UTF-8");
  }
}

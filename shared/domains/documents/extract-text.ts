import { readFile } from "node:fs/promises";
import mammoth from "mammoth";
import { PDFParse } from "pdf-parse";
import { PermanentError } from "../../engine/tasks/task-errors";
import type { DocumentContentType } from "./document-types";
import type { DocumentLimits } from "./document-limits";
import { checkInflatedSize } from "./zip-inflated-size";

/**
 * A document's plain text. PDF through pdf-parse (pdf.js), DOCX through mammoth, text and markdown
 * as UTF-8 (markdown is kept as written: its markup is mostly words too). A file that cannot be read
 * as its type is a PermanentError: retrying a corrupt file would fail the same way. So is one past
 * the limits (pages, a DOCX's inflated size, the text's length).
 */
export async function extractText(storedPath: string, contentType: DocumentContentType, limits: DocumentLimits): Promise<string> {
  const data = await readFile(storedPath);
  const text = await extractByType(data, contentType, limits);
  if (text.length > limits.maxTextChars) {
    throw new PermanentError(`The document holds more than ${limits.maxTextChars} characters of text (DOCUMENT_MAX_TEXT_CHARS)`);
  }
  return text;
}

function extractByType(data: Buffer, contentType: DocumentContentType, limits: DocumentLimits): Promise<string> | string {
  switch (contentType) {
    case "application/pdf":
      return extractPdf(data, limits.maxPages);
    case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
      return extractDocx(data, limits.maxInflatedBytes);
    case "text/plain":
    case "text/markdown":
      return decodeUtf8(data);
  }
}

async function extractPdf(data: Buffer, maxPages: number): Promise<string> {
  const parser = new PDFParse({ data });
  let pages: number;
  try {
    pages = (await parser.getInfo()).total;
  } catch (error) {
    await parser.destroy();
    throw new PermanentError(`The PDF could not be read (corrupt or encrypted?): ${(error as Error).message}`);
  }
  try {
    if (pages > maxPages) throw new PermanentError(`The PDF has ${pages} pages; at most ${maxPages} are read (DOCUMENT_MAX_PAGES)`);
    return (await parser.getText()).text;
  } catch (error) {
    if (error instanceof PermanentError) throw error;
    throw new PermanentError(`The PDF could not be read (corrupt or encrypted?): ${(error as Error).message}`);
  } finally {
    await parser.destroy();
  }
}

async function extractDocx(buffer: Buffer, maxInflatedBytes: number): Promise<string> {
  await checkInflatedSize(buffer, maxInflatedBytes);
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

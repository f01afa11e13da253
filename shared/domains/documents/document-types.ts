/** The file types a document may be, by extension; the content must agree (see `sniffType`). */
export const DOCUMENT_TYPES = {
  ".pdf": "application/pdf",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".txt": "text/plain",
  ".md": "text/markdown",
} as const;

export type DocumentExtension = keyof typeof DOCUMENT_TYPES;
export type DocumentContentType = (typeof DOCUMENT_TYPES)[DocumentExtension];

/** How many leading bytes `sniffType` needs to decide. */
export const SNIFF_BYTES = 4096;

const PDF_MAGIC = Buffer.from("%PDF-");
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export function extensionOf(filename: string): DocumentExtension | undefined {
  const dot = filename.lastIndexOf(".");
  const extension = dot < 0 ? "" : filename.slice(dot).toLowerCase();
  return extension in DOCUMENT_TYPES ? (extension as DocumentExtension) : undefined;
}

/**
 * Says why the first bytes of a file contradict its extension, or undefined when they agree.
 * PDF starts with `%PDF-`, DOCX is a ZIP container, and text is UTF-8 without NUL bytes (a
 * multi-byte character cut at the end of the sample is not held against it).
 */
export function contentMismatch(extension: DocumentExtension, head: Buffer): string | undefined {
  if (head.length === 0) return "the file is empty";
  switch (extension) {
    case ".pdf":
      return head.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC) ? undefined : "the content is not a PDF (no %PDF- header)";
    case ".docx":
      return head.subarray(0, ZIP_MAGIC.length).equals(ZIP_MAGIC) ? undefined : "the content is not a DOCX (not a ZIP container)";
    case ".txt":
    case ".md":
      return isUtf8Text(head) ? undefined : "the content is not UTF-8 text";
  }
}

function isUtf8Text(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(0, completeUtf8Length(head)));
    return true;
  } catch {
    return false;
  }
}

/** The sample's length without a trailing, incomplete UTF-8 sequence. */
function completeUtf8Length(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

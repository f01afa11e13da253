import fc from "fast-check";
import JSZip from "jszip";
import { chunkText } from "../../shared/domains/documents/chunk-text";
import { leastChunks } from "../../shared/domains/documents/least-chunks";
import { checkInflatedSize } from "../../shared/domains/documents/zip-inflated-size";
import { organizationUploadDir, pathInsideUploads } from "../../shared/domains/ingestion/upload-path";
import { isDiskFull } from "../../shared/domains/uploads/receive-uploads";
import { PermanentError } from "../../shared/engine/tasks/task-errors";
import { docxWith } from "../support/document-files";

const MIB = 1024 * 1024;

/** A DOCX with an extra entry of `bytes` zeros: a few KiB compressed. */
async function paddedDocx(bytes: number): Promise<Buffer> {
  const zip = await JSZip.loadAsync(await docxWith(["A perfectly normal paragraph."]));
  zip.file("word/padding.bin", Buffer.alloc(bytes));
  return zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
}

/** Rewrites the uncompressed size every header declares for the entry named `name`. */
function declareSize(zip: Buffer, name: string, size: number): Buffer {
  const patched = Buffer.from(zip);
  const headers = [
    { signature: 0x04034b50, sizeAt: 22, nameLengthAt: 26, nameAt: 30 }, // local file header
    { signature: 0x02014b50, sizeAt: 24, nameLengthAt: 28, nameAt: 46 }, // central directory entry
  ];
  for (let offset = 0; offset < patched.length - 4; offset++) {
    for (const header of headers) {
      if (patched.readUInt32LE(offset) !== header.signature) continue;
      const nameLength = patched.readUInt16LE(offset + header.nameLengthAt);
      if (patched.toString("utf8", offset + header.nameAt, offset + header.nameAt + nameLength) === name) patched.writeUInt32LE(size, offset + header.sizeAt);
    }
  }
  return patched;
}

describe("checkInflatedSize (DOCX zip bombs)", () => {
  it("lets an ordinary DOCX through", async () => {
    await expect(checkInflatedSize(await docxWith(["Hello there."]), MIB)).resolves.toBeUndefined();
  });

  it("fails permanently when the entries inflate past the cap, naming the setting", async () => {
    const bomb = await paddedDocx(8 * MIB);
    expect(bomb.length).toBeLessThan(100 * 1024);
    const failure = checkInflatedSize(bomb, 2 * MIB);
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow(`The DOCX inflates to more than ${2 * MIB} bytes (DOCUMENT_MAX_INFLATED_BYTES)`);
  });

  it("is not fooled by headers that declare a small size", async () => {
    const liar = declareSize(await paddedDocx(8 * MIB), "word/padding.bin", 1_000);
    await expect(checkInflatedSize(liar, 2 * MIB)).rejects.toThrow(/DOCUMENT_MAX_INFLATED_BYTES|too many bytes/);
  });

  it("fails permanently on a file that is not a ZIP", async () => {
    await expect(checkInflatedSize(Buffer.from("PK\u0003\u0004 but nothing more"), MIB)).rejects.toBeInstanceOf(PermanentError);
  });
});

describe("chunkText's cap", () => {
  it("fails permanently as soon as the cap is passed, naming the setting", () => {
    const text = Array.from({ length: 50_000 }, (_, index) => `word${index}`).join(" ");
    expect(() => chunkText(text, { chunkSize: 100, overlap: 50 }, 10)).toThrow(PermanentError);
    expect(() => chunkText(text, { chunkSize: 100, overlap: 50 }, 10)).toThrow(/more than 10 chunks at chunkSize 100 \(DOCUMENT_MAX_CHUNKS\)/);
    expect(chunkText(text, { chunkSize: 8000, overlap: 0 }, 100).length).toBeLessThanOrEqual(100);
  });
});

describe("leastChunks (refusing an upload by its size)", () => {
  // Words of any script (ASCII, accented, CJK, emoji) between single spaces: text whose size in
  // bytes says little about its length in characters.
  const word = fc.string({ unit: fc.constantFrom("a", "é", "漢", "😀", "z"), minLength: 1, maxLength: 12 });
  const text = fc.array(word, { minLength: 300, maxLength: 3_000 }).map((words) => words.join(" "));

  it("never counts more chunks than chunkText makes, so no file that fits is refused", () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 100, max: 400 }), fc.integer({ min: 0, max: 50 }), (content, chunkSize, overlap) => {
        const made = chunkText(content, { chunkSize, overlap }).length;
        expect(leastChunks("text/plain", Buffer.byteLength(content), chunkSize)).toBeLessThanOrEqual(made);
      }),
    );
  });

  it("refuses the tiny-chunk flood: 50 MiB at chunkSize 100 is over 100,000 chunks", () => {
    expect(leastChunks("text/plain", 50 * MIB, 100)).toBeGreaterThan(100_000);
    expect(leastChunks("text/markdown", 50 * MIB, 100)).toBeGreaterThan(100_000);
  });

  it("leaves PDF and DOCX to the worker: their text is known only once extracted", () => {
    expect(leastChunks("application/pdf", 50 * MIB, 100)).toBe(0);
    expect(leastChunks("application/vnd.openxmlformats-officedocument.wordprocessingml.document", 50 * MIB, 100)).toBe(0);
  });
});

describe("an organization's folder of UPLOAD_DIR", () => {
  const own = organizationUploadDir("/srv/uploads", "11111111-1111-4111-8111-111111111111");

  it("holds the organization's files and nothing else", () => {
    expect(pathInsideUploads(own, "exports/records.csv")).toBe(`${own}/exports/records.csv`);
    expect(pathInsideUploads(own, "../22222222-2222-4222-8222-222222222222/theirs.csv")).toBeUndefined();
    expect(pathInsideUploads(own, "../../uploaded.pdf")).toBeUndefined();
    expect(pathInsideUploads(own, "/srv/uploads/organizations/22222222-2222-4222-8222-222222222222/theirs.csv")).toBeUndefined();
  });
});

describe("isDiskFull", () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });
  it("knows a full disk or quota from other write errors", () => {
    expect(isDiskFull(errno("ENOSPC"))).toBe(true);
    expect(isDiskFull(errno("EDQUOT"))).toBe(true);
    expect(isDiskFull(errno("EACCES"))).toBe(false);
    expect(isDiskFull(new Error("plain"))).toBe(false);
    expect(isDiskFull(undefined)).toBe(false);
  });
});

import { contentMismatch, extensionOf, SNIFF_BYTES } from "../../shared/domains/documents/document-types";
import { sanitizeFilename } from "../../shared/domains/uploads/sanitize-filename";

describe("contentMismatch (magic bytes)", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  it("accepts content that matches its extension", () => {
    expect(contentMismatch(".pdf", Buffer.from("%PDF-1.7\n..."))).toBeUndefined();
    expect(contentMismatch(".docx", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14]))).toBeUndefined();
    expect(contentMismatch(".txt", Buffer.from("plain text, ünïcödé ✓"))).toBeUndefined();
    expect(contentMismatch(".md", Buffer.from("# Title\n\nbody"))).toBeUndefined();
  });
  it("refuses content that lies about its type", () => {
    expect(contentMismatch(".pdf", png)).toMatch(/not a PDF/);
    expect(contentMismatch(".docx", Buffer.from("%PDF-1.7"))).toMatch(/not a DOCX/);
    expect(contentMismatch(".txt", png)).toMatch(/not UTF-8/);
    expect(contentMismatch(".md", Buffer.from("a\u0000b"))).toMatch(/not UTF-8/);
    expect(contentMismatch(".txt", Buffer.from([0xc3, 0x28]))).toMatch(/not UTF-8/); // invalid sequence
    expect(contentMismatch(".pdf", Buffer.alloc(0))).toMatch(/empty/);
  });
  it("does not hold a multi-byte character cut at the end of the sample against the file", () => {
    const text = Buffer.from("a".repeat(SNIFF_BYTES - 1) + "é");
    expect(contentMismatch(".txt", text.subarray(0, SNIFF_BYTES))).toBeUndefined();
  });
});

describe("extensionOf", () => {
  it("knows the four document types, case-insensitively", () => {
    expect(extensionOf("Report.PDF")).toBe(".pdf");
    expect(extensionOf("a.b.docx")).toBe(".docx");
    expect(extensionOf("notes.md")).toBe(".md");
    expect(extensionOf("archive.pdf.exe")).toBeUndefined();
    expect(extensionOf("noextension")).toBeUndefined();
  });
});

describe("sanitizeFilename", () => {
  it("keeps the last path segment only, whatever the slashes", () => {
    expect(sanitizeFilename("../../etc/passwd.txt")).toBe("passwd.txt");
    expect(sanitizeFilename("C:\\Users\\me\\report.pdf")).toBe("report.pdf");
    expect(sanitizeFilename("..")).toBe("unnamed");
  });
  it("drops control characters and leading dots", () => {
    expect(sanitizeFilename("evil\u0000name\r\n.md")).toBe("evilname.md");
    expect(sanitizeFilename(".hidden.txt")).toBe("hidden.txt");
    expect(sanitizeFilename("")).toBe("unnamed");
  });
  it("caps the length at 200 characters and keeps the extension", () => {
    const long = sanitizeFilename(`${"a".repeat(500)}.docx`);
    expect(long).toHaveLength(200);
    expect(long.endsWith(".docx")).toBe(true);
  });
});

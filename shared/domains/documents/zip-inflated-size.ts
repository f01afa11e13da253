import yauzl from "yauzl";
import { PermanentError } from "../../engine/tasks/task-errors";

/**
 * Inflates every entry of a ZIP (a DOCX) once, counting bytes, and fails past `maxBytes` before the
 * real reader inflates it all into memory. The declared sizes are checked first, and yauzl checks
 * each entry's real size against its declared one, so a lying header fails too.
 */
export function checkInflatedSize(data: Buffer, maxBytes: number): Promise<void> {
  const tooLarge = () => new PermanentError(`The DOCX inflates to more than ${maxBytes} bytes (DOCUMENT_MAX_INFLATED_BYTES)`);
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true, validateEntrySizes: true }, (openError, zip) => {
      if (openError || !zip) return reject(new PermanentError(`The DOCX could not be read (not a ZIP file?): ${openError?.message}`));
      let declared = 0;
      let inflated = 0;
      const fail = (error: Error) => {
        zip.close();
        reject(error);
      };
      zip.on("error", (error: Error) => fail(new PermanentError(`The DOCX could not be read: ${error.message}`)));
      zip.on("end", () => resolve());
      zip.on("entry", (entry: yauzl.Entry) => {
        declared += entry.uncompressedSize;
        if (declared > maxBytes) return fail(tooLarge());
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return fail(new PermanentError(`The DOCX could not be read: ${streamError?.message}`));
          stream.on("data", (chunk: Buffer) => {
            inflated += chunk.length;
            if (inflated > maxBytes) {
              stream.destroy();
              fail(tooLarge());
            }
          });
          stream.on("error", (error: Error) => fail(new PermanentError(`The DOCX could not be read: ${error.message}`)));
          stream.on("end", () => zip.readEntry());
        });
      });
      zip.readEntry();
    });
  });
}

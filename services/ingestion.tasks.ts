import { findRun } from "../shared/db/ingestion/find-runs";
import { finishRun } from "../shared/db/ingestion/finish-run";
import { PermanentError } from "../shared/engine/tasks/task-errors";
import { ingestionProviders } from "../shared/domains/ingestion/providers";
import { organizationUploadDir } from "../shared/domains/ingestion/upload-path";
import { runIngestion } from "../shared/domains/ingestion/run-ingestion";
import { runtimeFor } from "../shared/engine/runtime";
import { defineTask } from "../shared/engine/tasks/define-task";
import * as declared from "./task-declarations/ingestion";

/**
 * Reads an ingestion run's source into ingested_records, resuming from the run's checkpoint. Transient
 * failures (network, timeouts, 429, 5xx) are retried with exponential backoff and continue after the
 * last committed batch; permanent ones (other 4xx, bad data, a missing file) fail the run at once.
 */
export const ingest = defineTask({
  ...declared.ingest,
  async run(ctx, { runId }) {
    const { db, config } = await runtimeFor(ctx.broker);
    const run = await findRun(db, ctx.organizationId, runId);
    if (!run) throw new PermanentError(`Ingestion run ${runId} does not exist`);
    if (run.status !== "running") return { runId, status: run.status };
    try {
      const records = await runIngestion(db, ingestionProviders({ uploadDir: organizationUploadDir(config.UPLOAD_DIR, ctx.organizationId) }), run, {
        signal: ctx.signal,
        progress: (percent, message) => ctx.progress(percent, "ingesting", message),
      });
      await finishRun(db, ctx.organizationId, runId, { status: "success" });
      return { runId, status: "success", records };
    } catch (error) {
      // The run fails with the job: at once for a permanent error, else when no attempt is left.
      // A cancel leaves it running; its view shows the cancelled job's status.
      const final = error instanceof PermanentError || (!ctx.willRetry(error) && !ctx.signal.aborted);
      if (final) await finishRun(db, ctx.organizationId, runId, { status: "failed", error: (error as Error).message });
      throw error;
    }
  },
});

export const ingestionTasks = [ingest];

import { z } from "zod";
import { declareTask } from "../../shared/engine/tasks/define-task";
import { QUEUE_ROUTES } from "./queue-routes";

/** Fills one version of an issue's aiSummary and tags (services/enrichment.tasks.ts). */
export const enrichIssue = declareTask(
  {
    name: "ai.enrich_issue",
    visibility: "internal",
    payload: z.object({ issueId: z.string().uuid(), version: z.number().int().positive() }),
    maxAttempts: 4,
    backoff: { type: "exponential", baseMs: 1_000, maxMs: 30_000, jitter: true },
    // A safety net above ENRICHER_TIMEOUT_MS: an attempt that hangs anyway is retried.
    timeLimitMs: 120_000,
  },
  QUEUE_ROUTES,
);

/** Tells subscribers about a new issue with the Moleculer event `issue.created`. */
export const notifyIssueCreated = declareTask(
  { name: "ai.notify_issue_created", payload: z.object({ issueId: z.string().uuid() }), maxAttempts: 5, visibility: "internal" },
  QUEUE_ROUTES,
);

export const enrichmentTasks = [enrichIssue, notifyIssueCreated];

import type { Knex } from "knex";
import * as coreSchema from "./001_core_schema";
import * as eventsAndWebhooks from "./003_events_and_webhooks";
import * as activeJobIndex from "./004_active_job_index";
import * as noForeignKeysToJobs from "./005_no_foreign_keys_to_jobs";
import * as schedules from "./002_schedules";
import * as issues from "./007_issues";
import * as documents from "./009_documents";
import * as ingestion from "./008_ingestion";
import * as webhookPlanning from "./011_webhook_planning";
import * as fencedAttempts from "./012_fenced_attempts";
import * as jobWorker from "./013_job_worker";
import * as jobSearch from "./014_job_search";
import * as hotTransitions from "./015_hot_transitions";
import * as flowControl from "./016_flow_control";
import * as fairShares from "./017_fair_shares";

/**
 * Migrations are listed here rather than discovered on disk, so the same list works under tsx,
 * jest and compiled JavaScript. Append new ones; never reorder or rename.
 */
const migrations: Record<string, Knex.Migration> = {
  "001_core_schema": coreSchema,
  "003_events_and_webhooks": eventsAndWebhooks,
  "004_active_job_index": activeJobIndex,
  "005_no_foreign_keys_to_jobs": noForeignKeysToJobs,
  "002_schedules": schedules,
  "007_issues": issues,
  "008_ingestion": ingestion,
  "009_documents": documents,
  "011_webhook_planning": webhookPlanning,
  "012_fenced_attempts": fencedAttempts,
  "013_job_worker": jobWorker,
  "014_job_search": jobSearch,
  "015_hot_transitions": hotTransitions,
  "016_flow_control": flowControl,
  "017_fair_shares": fairShares,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};

import { Cron } from "croner";

/**
 * Cron expressions are parsed and stepped by croner: 5 fields (minute precision) or 6 (seconds first),
 * nicknames like @daily, and IANA timezones. `fixedTimeRule: "no-wildcard"` gives Vixie cron's DST
 * behaviour: a job whose minute and hour are fixed runs once when its time is skipped (at the first
 * valid time after the gap) or repeated; a wildcard or stepped job follows the wall clock, so it skips
 * the gap and runs in both copies of a repeated hour (docs/scheduler.md).
 */
const CRON_OPTIONS = { mode: "5-or-6-parts", fixedTimeRule: "no-wildcard" } as const;

/** Parsing and timezone set-up are the costly part, and many schedules share a pattern. */
const cache = new Map<string, Cron>();
const CACHE_LIMIT = 10_000;

/** A parsed cron expression in its timezone; throws (with croner's message) when either is invalid. */
export function cronFor(pattern: string, timezone: string): Cron {
  const key = `${timezone}\u0000${pattern}`;
  let cron = cache.get(key);
  if (!cron) {
    cron = new Cron(pattern, { ...CRON_OPTIONS, timezone });
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, cron);
  }
  return cron;
}

/** The first fire time strictly after `after`, or null when the expression never fires again. */
export function nextCronTime(pattern: string, timezone: string, after: Date): Date | null {
  return cronFor(pattern, timezone).nextRun(after);
}

/** Whether `timezone` is an IANA zone this runtime knows (croner's own error is less direct). */
export function isKnownTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The last fire time strictly before `before`, or null when there is none. */
export function previousCronTime(pattern: string, timezone: string, before: Date): Date | null {
  return cronFor(pattern, timezone).previousRuns(1, before)[0] ?? null;
}

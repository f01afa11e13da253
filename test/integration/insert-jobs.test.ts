import { createOrganization } from "../../shared/db/api-keys";
import { insertJobs, NewJob, plainJob } from "../../shared/db/jobs/insert-jobs";
import { JobRow, toPublicJob } from "../../shared/db/jobs/job-record";
import { createDb, Db, migrateLatest } from "../../shared/db/knex";

/** insertJobs builds the rows it answers from what it sent; they must be the rows Postgres stored. */
describe("insertJobs", () => {
  let db: Db;
  let organizationId: string;
  beforeAll(async () => {
    db = createDb();
    await migrateLatest(db);
    organizationId = await createOrganization(db, `insert-jobs-${Date.now()}`);
  });
  afterAll(async () => {
    await db.destroy();
  });

  const stored = async (ids: string[]) => {
    const rows = await db<JobRow>("jobs").whereIn("id", ids);
    return new Map(rows.map((row) => [row.id, row]));
  };

  it("answers each new job exactly as a later read of its row shows it", async () => {
    const plain = plainJob("demo.echo", { text: "x", when: new Date(0), nested: { b: 1, a: [true, null] } });
    const everyOption: NewJob = {
      ...plainJob("demo.echo", "a string payload", "ai"),
      maxAttempts: 7,
      priority: 9,
      idempotencyKey: `key-${Date.now()}`,
      runAt: new Date(Date.now() + 60_000),
      softTimeLimitMs: 1_000,
      timeLimitMs: 2_000,
      callbackUrl: "https://example.com/hook",
      concurrencyKey: "org:x:k",
      concurrencyLimit: 2,
      debounceKey: "org:x:d",
      throttleKey: "org:x:t",
      throttleLimit: 3,
      throttlePeriodMs: 1_000,
    };
    const { created, existing } = await insertJobs(db, organizationId, [plain, everyOption]);
    expect(existing.size).toBe(0);
    expect(created.map((row) => row.status)).toEqual(["queued", "scheduled"]);
    const rows = await stored(created.map((row) => row.id));
    // Every column, not only the public view: the enqueuer publishes from internal ones (keys, run_at).
    for (const row of created) expect(row).toEqual(rows.get(row.id));
    expect(created[0].payload).toEqual({ text: "x", when: new Date(0).toISOString(), nested: { b: 1, a: [true, null] } });
  });

  it("answers a taken idempotency key with the row that holds it, also within one batch", async () => {
    const key = `dup-${Date.now()}`;
    const first = { ...plainJob("demo.echo", { n: 1 }), idempotencyKey: key };
    const again = { ...plainJob("demo.echo", { n: 2 }), idempotencyKey: key };
    const { created, existing } = await insertJobs(db, organizationId, [first, again]);
    expect(created.map((row) => row.id)).toEqual([first.id]);
    expect(existing.get(key)?.id).toBe(first.id);
    const later = await insertJobs(db, organizationId, [{ ...plainJob("demo.echo", { n: 3 }), idempotencyKey: key }]);
    expect(later.created).toEqual([]);
    expect(toPublicJob(later.existing.get(key) as JobRow)).toEqual(toPublicJob(created[0]));
  });
});

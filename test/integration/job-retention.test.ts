import { createOrganization } from "../../shared/db/api-keys";
import { deleteExpiredJobs } from "../../shared/db/jobs/delete-expired-jobs";
import { insertJobs, NewJob, plainJob } from "../../shared/db/jobs/insert-jobs";
import { createDb, Db, migrateLatest } from "../../shared/db/knex";

const DAY = 24 * 3_600_000;
const retention = { succeededMs: 7 * DAY, failedMs: 30 * DAY };

const job = (): NewJob => plainJob("demo.echo", { text: "x" });

describe("job retention", () => {
  let db: Db;
  let organizationId: string;
  beforeAll(async () => {
    db = createDb();
    await migrateLatest(db);
    organizationId = await createOrganization(db, `retention-${Date.now()}`);
  });
  afterAll(async () => {
    await db.destroy();
  });

  /** A job of this test's organization in `status`, finished `daysAgo` days ago (null: not finished). */
  async function jobIn(status: string, daysAgo: number | null): Promise<string> {
    const { created } = await insertJobs(db, organizationId, [job()]);
    const id = created[0]!.id;
    await db("jobs").where({ id }).update({ status, finished_at: daysAgo === null ? null : db.raw(`now() - interval '${daysAgo} days'`) });
    return id;
  }

  it("deletes finished jobs past their retention with their events, and keeps everything else", async () => {
    const expired = [await jobIn("succeeded", 8), await jobIn("failed", 31), await jobIn("cancelled", 40)];
    const kept = [await jobIn("succeeded", 6), await jobIn("failed", 8), await jobIn("running", null), await jobIn("queued", null)];
    let deleted = 0;
    for (let batch = -1; batch !== 0; ) deleted += batch = await deleteExpiredJobs(db, retention, 2);
    expect(deleted).toBeGreaterThanOrEqual(expired.length);
    expect(await db("jobs").whereIn("id", expired).pluck("id")).toEqual([]);
    expect(await db("job_events").whereIn("job_id", expired).pluck("id")).toEqual([]);
    expect((await db("jobs").whereIn("id", kept).pluck("id")).sort()).toEqual([...kept].sort());
    expect(Number((await db("job_events").whereIn("job_id", kept).count<{ count: string }[]>("* as count"))[0].count)).toBe(kept.length);
  });
});

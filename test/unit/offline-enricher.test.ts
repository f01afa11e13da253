import { MAX_SUMMARY_CHARS, MAX_TAGS } from "../../shared/enrichment/enricher";
import { offlineEnricher, offlineEnrichment } from "../../shared/enrichment/offline-enricher";

const [memoryLeak, dashboardProgress, cronSeconds] = [
{ title: "Memory leak in RabbitMQ consumer after connection reset",
  body: `### Describe the bug

After RabbitMQ closes the connection (for example during a broker restart), the worker reconnects but the old consumer's channel is never released. Memory usage grows by about 50 MB per reconnect and the process is eventually killed by the OOM killer.

### Steps to reproduce

1. Start a worker with \`SERVICES=demo npm start\`
2. Run \`rabbitmqctl close_all_connections "test"\` a few times
3. Watch the RSS of the worker process

\`\`\`
[2024-05-02T10:11:12Z] WARN amqp: connection closed, reconnecting
[2024-05-02T10:11:13Z] INFO amqp: reconnected
\`\`\`

### Expected behavior

The old channel and its consumer should be released when the connection drops, so memory stays flat across reconnects.

### Environment
- Node.js 20.11
- RabbitMQ 3.13
- amqplib 0.10.3
`},
{ title: "Dashboard shows wrong progress for retried jobs",
  body: `Hi! When a job fails and is retried, the dashboard keeps showing the progress bar of the previous attempt (e.g. 80%) until the new attempt reports progress for the first time.

I think the progress should be reset to 0 when the job moves to \`retrying\`. The SSE stream sends the \`retrying\` event but the progress field in the payload still contains the old value, so the dashboard has no way to know.

<!-- Please include screenshots if relevant -->
![screenshot](https://example.com/x.png)

Thanks for the great project!`},
{ title: "Support cron expressions with seconds in schedules",
  body: `**Is your feature request related to a problem? Please describe.**
We need to run a health check every 15 seconds, but the schedules API only accepts five-field cron expressions, so the smallest period is one minute.

**Describe the solution you'd like**
Accept six-field cron expressions where the first field is seconds, like \`*/15 * * * * *\`. Croner already supports this syntax, so the scheduler would only need to validate and store it.

**Describe alternatives you've considered**
An interval schedule works, but it drifts relative to wall-clock time and we want runs aligned to the minute.`},
];

const STOP_WORDS = ["the", "a", "and", "when", "but", "so", "is", "it", "we", "i", "for", "of", "to", "hi", "thanks"];

describe("offline enricher", () => {
  it("summarises a bug report by its problem statement and tags its topic", () => {
    const { summary, tags } = offlineEnrichment(memoryLeak);
    expect(summary).toContain("the worker reconnects but the old consumer's channel is never released");
    // Code blocks, log lines and the template's headings stay out of the summary.
    expect(summary).not.toMatch(/WARN|Steps to reproduce|rabbitmqctl|```/);
    expect(tags).toContain("memory-leak");
    expect(tags.some((tag) => tag.includes("rabbitmq"))).toBe(true);
    expect(tags.some((tag) => STOP_WORDS.includes(tag))).toBe(false);
  });

  it("keeps a short report's key sentences and drops images, comments and pleasantries", () => {
    const { summary, tags } = offlineEnrichment(dashboardProgress);
    expect(summary).toContain("the dashboard keeps showing the progress bar of the previous attempt");
    expect(summary).not.toMatch(/screenshot|Thanks|https?:/);
    expect(tags.slice(0, 2).sort()).toEqual(["dashboard", "progress"]);
    expect(tags).not.toContain("e.g");
    expect(tags.some((tag) => STOP_WORDS.includes(tag))).toBe(false);
  });

  it("tags a feature request by its recurring noun phrase, not by template words", () => {
    const { summary, tags } = offlineEnrichment(cronSeconds);
    expect(summary).toContain("the schedules API only accepts five-field cron expressions");
    expect(summary).not.toMatch(/Is your feature request|Describe/);
    expect(tags[0]).toBe("cron-expression");
    expect(tags).toEqual(expect.arrayContaining(["schedule", "second"]));
    expect(tags).not.toEqual(expect.arrayContaining(["support"]));
    expect(tags).not.toContain("feature");
  });

  it("falls back to the title when the body has no prose, and respects the size limits", () => {
    expect(offlineEnrichment({ title: "Crash on start", body: "```\nTypeError: x is undefined\n```" })).toEqual({
      summary: "Crash on start",
      tags: ["crash"],
    });
    const long = offlineEnrichment({
      title: "Slow queries",
      body: Array.from({ length: 40 }, (_, i) => `The jobs list query number ${i} scans the whole jobs table without an index on created_at.`).join(" "),
    });
    expect(long.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(long.tags.length).toBeLessThanOrEqual(MAX_TAGS);
  });

  it("refuses to start once its signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    await expect(offlineEnricher.enrich(memoryLeak, controller.signal)).rejects.toThrow("cancelled");
  });
});

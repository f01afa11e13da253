import type { IssueText } from "../../shared/domains/enrichment/enricher";

/** GitHub-style issues as people write them (templates, code, logs, images), for enricher tests and the benchmark. */
export const ISSUE_SAMPLES: IssueText[] = [
  {
    title: "Memory leak in RabbitMQ consumer after connection reset",
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
`,
  },
  {
    title: "Dashboard shows wrong progress for retried jobs",
    body: `Hi! When a job fails and is retried, the dashboard keeps showing the progress bar of the previous attempt (e.g. 80%) until the new attempt reports progress for the first time.

I think the progress should be reset to 0 when the job moves to \`retrying\`. The SSE stream sends the \`retrying\` event but the progress field in the payload still contains the old value, so the dashboard has no way to know.

<!-- Please include screenshots if relevant -->
![screenshot](https://example.com/x.png)

Thanks for the great project!`,
  },
  {
    title: "Support cron expressions with seconds in schedules",
    body: `**Is your feature request related to a problem? Please describe.**
We need to run a health check every 15 seconds, but the schedules API only accepts five-field cron expressions, so the smallest period is one minute.

**Describe the solution you'd like**
Accept six-field cron expressions where the first field is seconds, like \`*/15 * * * * *\`. Croner already supports this syntax, so the scheduler would only need to validate and store it.

**Describe alternatives you've considered**
An interval schedule works, but it drifts relative to wall-clock time and we want runs aligned to the minute.`,
  },
];

export const [memoryLeak, dashboardProgress, cronSeconds] = ISSUE_SAMPLES;

import { MAX_SUMMARY_CHARS, MAX_TAGS } from "../../shared/domains/enrichment/enricher";
import { offlineEnricher, offlineEnrichment } from "../../shared/domains/enrichment/offline-enricher";
import { cronSeconds, dashboardProgress, memoryLeak } from "../support/issue-samples";

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

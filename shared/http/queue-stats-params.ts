import { z } from "zod";

/** `GET /stats/queues`: how far back the stats reach. */
export const queueStatsParams = z
  .object({
    minutes: z.coerce.number().int().min(1).max(60).default(15).describe("The window, up to now"),
  })
  .strict();

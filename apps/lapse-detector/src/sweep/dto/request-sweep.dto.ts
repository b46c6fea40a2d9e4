import { z } from 'zod';

/** Body of POST /api/v1/organizations/:organizationId/lapse-sweeps (may be empty). */
export const REQUEST_SWEEP_BODY = z
  .object({
    /** Re-score every client, not only those whose state can have changed. */
    full: z.boolean().optional(),
  })
  .strict();

export type RequestSweepBody = z.infer<typeof REQUEST_SWEEP_BODY>;

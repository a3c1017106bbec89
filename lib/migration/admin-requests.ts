import { z } from 'zod';
import { rolloutCommandSchema } from '@/lib/rollout/commands';

export const changeRequestSchema = z
  .object({
    commands: z.array(rolloutCommandSchema).min(1).max(20),
    reason: z.string().trim().min(3, 'Say why (at least 3 characters).').max(500),
    expectedVersion: z.number().int().min(1),
    /** Advance into a live stage although a gate does not pass (audited as FORCED). */
    force: z.boolean().default(false),
  })
  .strict();
export type ChangeRequest = z.infer<typeof changeRequestSchema>;

export const previewRequestSchema = z.object({ commands: z.array(rolloutCommandSchema).min(1).max(20) }).strict();

export const explainQuerySchema = z.strictObject({ user: z.string().trim().min(1).max(255) });

import { z } from 'zod';
import { processTargetSchema } from './stop-process.js';

/** One JSON line from the orchestrator to its guardian. */
export const guardianMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('guard'), target: processTargetSchema }),
  z.object({ type: z.literal('release'), name: z.string() }),
  /** A clean stop: everything is already stopped, exit without signalling anything. */
  z.object({ type: z.literal('bye') }),
]);

export type GuardianMessage = z.infer<typeof guardianMessageSchema>;

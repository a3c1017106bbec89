import 'server-only';
import { serverEnv } from '@/lib/env';

/** The app's analysis window length (see lib/validation/window.ts). */
export const appWindowMs = (): number => serverEnv().VALIDATION_WINDOW_SECONDS * 1000;

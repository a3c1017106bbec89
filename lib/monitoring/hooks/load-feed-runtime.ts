import type { FeedRuntime } from '@/lib/monitoring/hooks/feed-runtime';

let loading: Promise<FeedRuntime> | undefined;

/**
 * The feed runtime (lib/monitoring/hooks/feed-runtime.ts), imported once per tab by a dynamic
 * import — this module must only ever name it as a type, or the bundler pulls it into the
 * page's first load. A failed import is forgotten, so the next call tries again.
 */
export function loadFeedRuntime(): Promise<FeedRuntime> {
  return (loading ??= import('@/lib/monitoring/hooks/feed-runtime').then(
    (module) => module.feedRuntime,
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  ));
}

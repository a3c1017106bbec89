import { assertNever } from '@/lib/assert-never';
import type { FailureKind } from '@/lib/monitoring/transport-failure';

/** What the viewer is told a lost session means, per failure kind (the message adds the server's words). */
export function failureNotice(kind: FailureKind): string {
  switch (kind) {
    case 'unauthorized':
      return 'the server refused your sign-in';
    case 'token_expired':
      return 'your session token expired; rejoining with a fresh one';
    case 'auth_timeout':
      return 'signing in to the feed took too long';
    case 'protocol_violation':
      return 'the feed and the server disagree on the protocol';
    case 'slow_consumer':
      return 'this tab fell behind the feed';
    case 'decommissioned':
      return 'the feed is switched off';
    case 'server_going_away':
      return 'the server is restarting';
    case 'server_error':
      return 'the server failed';
    case 'network':
      return 'the connection dropped';
    case 'heartbeat_timeout':
      return 'the connection went silent';
    case 'subscribe_failed':
      return 'the database subscription failed';
    case 'subscribe_timeout':
      return 'the subscription was not confirmed in time';
    case 'channel_error':
      return 'the channel failed';
    case 'rate_limited':
      return 'a Realtime plan limit was hit; backing off';
    default:
      return assertNever(kind, 'failure kind');
  }
}

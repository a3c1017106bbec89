import { failure, type TransportFailure } from '@/lib/monitoring/transport-failure';

/** docs/legacy-protocol.md §Close codes, as named failures (the retry policy decides by kind). */
export function legacyCloseFailure(code: number, reason: string): TransportFailure {
  const text = reason || `closed with ${code}`;
  switch (code) {
    case 1001:
      return failure('server_going_away', text, code);
    case 1008:
    case 1009:
      return failure('protocol_violation', text, code);
    case 1011:
      return failure('server_error', text, code);
    case 4001:
      return failure('unauthorized', text, code);
    case 4002:
      return failure('token_expired', text, code);
    case 4003:
      return failure('auth_timeout', text, code);
    case 4008:
      return failure('slow_consumer', text, code);
    default:
      return failure('network', text, code);
  }
}

import { CLOSE_CODES } from '@/contracts/legacy-protocol';
import { failure, type TransportFailure } from '@/lib/monitoring/transport-failure';

/** The legacy feed's close codes (contracts/legacy-protocol.ts) as named failures: the retry policy decides by kind. */
export function legacyCloseFailure(code: number, reason: string): TransportFailure {
  const text = reason || `closed with ${code}`;
  switch (code) {
    case CLOSE_CODES.goingAway:
      return failure('server_going_away', text, code);
    case CLOSE_CODES.policyViolation:
    case CLOSE_CODES.messageTooBig:
      return failure('protocol_violation', text, code);
    case CLOSE_CODES.internalError:
      return failure('server_error', text, code);
    case CLOSE_CODES.unauthorized:
      return failure('unauthorized', text, code);
    case CLOSE_CODES.tokenExpired:
      return failure('token_expired', text, code);
    case CLOSE_CODES.authTimeout:
      return failure('auth_timeout', text, code);
    case CLOSE_CODES.slowConsumer:
      return failure('slow_consumer', text, code);
    case CLOSE_CODES.decommissioned:
      return failure('decommissioned', text, code);
    default:
      return failure('network', text, code);
  }
}

// Audit trail: one structured JSON line per event (who, what, when, result) to the log, and the
// last events in memory for the API server to show. Text fields are cut short and anything shaped
// like a token is masked, so a careless message cannot leak a credential into the log.
import { pino } from 'pino';
import { maskTokens } from './signed-token.ts';
import type { AuditInput } from './types.ts';

export interface AuditEvent {
  time: string;
  subject?: string;
  kind?: 'local' | 'sso' | 'token';
  tokenId?: string;
  action: string;
  resource: string;
  object: string;
  result: 'success' | 'denied' | 'error';
  message?: string;
}

const KEPT = 1000;
const recent: AuditEvent[] = [];

/** The most recent audit events of this process, oldest first. */
export function recentAuditEvents(limit = 100): AuditEvent[] {
  return recent.slice(-Math.max(0, limit)).map((event) => ({ ...event }));
}

function clean(text: string, max = 500): string {
  return maskTokens(text)
    .replace(/[\r\n]+/g, ' ')
    .slice(0, max);
}

export function createAuditLog(
  write: (line: string) => void,
  now: () => number,
): (input: AuditInput) => void {
  const logger = pino(
    { base: undefined, timestamp: false, messageKey: 'msg' },
    { write: (line: string) => write(line.trimEnd()) },
  );
  return (input) => {
    const event: AuditEvent = {
      time: new Date(now()).toISOString(),
      ...(input.identity
        ? {
            subject: clean(input.identity.subject, 256),
            kind: input.identity.kind,
            ...(input.identity.tokenId ? { tokenId: input.identity.tokenId } : {}),
          }
        : {}),
      action: clean(input.action, 100),
      resource: clean(input.resource, 100),
      object: clean(input.object, 300),
      result: input.result,
      ...(input.message ? { message: clean(input.message) } : {}),
    };
    recent.push(event);
    if (recent.length > KEPT) recent.splice(0, recent.length - KEPT);
    logger.info({ audit: event }, 'audit');
  };
}

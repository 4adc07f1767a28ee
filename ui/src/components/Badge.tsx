import { StatusIcon } from './StatusIcon.tsx';
import { connectionLook, healthLook, operationLook, type StatusLook, syncLook } from './status.ts';

function Badge({
  look,
  text,
  title,
  kind,
}: {
  look: StatusLook;
  text: string;
  title?: string;
  kind: string;
}) {
  return (
    <span className={`badge tone-${look.tone}`} title={title ?? text} data-badge={kind} data-status={text}>
      <StatusIcon name={look.icon} />
      <span>{text}</span>
    </span>
  );
}

export function HealthBadge({ status, message }: { status: string | undefined; message?: string }) {
  const text = status ?? 'Unknown';
  return (
    <Badge kind="health" look={healthLook(text)} text={text} title={message ? `${text}: ${message}` : text} />
  );
}

export function SyncBadge({ status }: { status: string | undefined }) {
  const text = status ?? 'Unknown';
  return <Badge kind="sync" look={syncLook(text)} text={text} />;
}

export function OperationBadge({ phase, text, message }: { phase: string; text?: string; message?: string }) {
  const shown = text ?? phase;
  return (
    <Badge
      kind="operation"
      look={operationLook(phase)}
      text={shown}
      title={message ? `${shown}: ${message}` : shown}
    />
  );
}

export function ConnectionBadge({ status, message }: { status: string | undefined; message?: string }) {
  const text = status || 'Unknown';
  return (
    <Badge
      kind="connection"
      look={connectionLook(text)}
      text={text}
      title={message ? `${text}: ${message}` : text}
    />
  );
}

// Performs one planned delivery: an HTTP request (webhook, Slack, Teams) or a mail over SMTP.
// Answers whether it worked and whether trying again may help; never throws, never quotes a
// secret (the caller masks the message with the configuration's secret values as well).
import { createHmac, randomUUID } from 'node:crypto';
import type { DeliveryPlan } from '../../core/notifications/services.ts';

export type SendResult = { ok: true } | { ok: false; retryable: boolean; message: string };

export async function send(plan: DeliveryPlan, timeoutMs: number): Promise<SendResult> {
  return plan.kind === 'http' ? sendHttp(plan, timeoutMs) : sendMail(plan, timeoutMs);
}

async function sendHttp(
  plan: Extract<DeliveryPlan, { kind: 'http' }>,
  timeoutMs: number,
): Promise<SendResult> {
  const headers: Record<string, string> = { ...plan.headers, 'x-tiphys-delivery': randomUUID() };
  if (plan.hmacSecret) {
    // The receiver recomputes the HMAC of the raw body with the shared secret and compares.
    headers['x-tiphys-signature-256'] =
      `sha256=${createHmac('sha256', plan.hmacSecret).update(plan.body).digest('hex')}`;
  }
  const host = safeHost(plan.url);
  try {
    const response = await fetch(plan.url, {
      method: plan.method,
      headers,
      body: plan.method === 'GET' || plan.method === 'HEAD' ? undefined : plan.body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Slack's Web API answers 200 with {ok: false, error} for a refused message.
    const text = await response.text().catch(() => '');
    if (response.ok) {
      if (/^\s*\{/.test(text)) {
        const parsed = safeJson(text) as { ok?: boolean; error?: string } | undefined;
        if (parsed?.ok === false)
          return {
            ok: false,
            retryable: false,
            message: `${host} refused: ${String(parsed.error).slice(0, 100)}`,
          };
      }
      return { ok: true };
    }
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    return { ok: false, retryable, message: `${host} answered ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { ok: false, retryable: true, message: `${host} could not be reached (${cause})` };
  }
}

async function sendMail(
  plan: Extract<DeliveryPlan, { kind: 'smtp' }>,
  timeoutMs: number,
): Promise<SendResult> {
  const { server, mail } = plan;
  // Loaded on the first mail: most controllers never send one (docs/performance.md, "Memory").
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure,
    ...(server.username ? { auth: { user: server.username, pass: server.password ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.sendMail(mail);
    return { ok: true };
  } catch (error) {
    const e = error as { responseCode?: number; code?: string };
    // 5xx SMTP replies are permanent (bad address, refused auth); others may pass later.
    const retryable = !(e.responseCode !== undefined && e.responseCode >= 500);
    const what = e.responseCode ? `answered ${e.responseCode}` : `failed (${e.code ?? 'error'})`;
    return { ok: false, retryable, message: `mail server ${server.host}:${server.port} ${what}` };
  } finally {
    transport.close();
  }
}

/** Scheme, host and port only: a URL's path or query may hold a token (Slack, Teams webhooks). */
function safeHost(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'the service';
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

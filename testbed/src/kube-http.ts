import { request } from 'node:https';

export interface ApiEndpoint {
  server: string;
  token: string;
  ca: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

/**
 * A minimal HTTPS call to a testbed kube-apiserver. The harness uses it for readiness checks and
 * bootstrap objects so that it depends on nothing but Node itself.
 */
export function apiRequest(
  endpoint: ApiEndpoint,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 5_000,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      new URL(path, endpoint.server),
      {
        method,
        ca: endpoint.ca,
        timeout: timeoutMs,
        headers: {
          authorization: `Bearer ${endpoint.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // /readyz answers plain text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${path}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

// A small HTTP CONNECT proxy for tests. It counts the tunnels it opens and maps one host name,
// which nothing else can resolve, to a target: a client that goes around the proxy cannot
// connect at all, so a passing request proves it went through.
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';

export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`, for a kubeconfig's proxy-url. */
  url: string;
  /** `host:port` of every CONNECT, in order. */
  tunnels: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(
  host: string,
  target: { host: string; port: number },
): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, socket, head) => {
    tunnels.push(req.url ?? '');
    if (req.url !== `${host}:${target.port}`) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(target.port, target.host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A kubeconfig (JSON) for a testbed cluster reached only through `proxyUrl`, under the host name
 * `kubernetes.default.svc`, which the API server's own certificate names.
 */
export function proxiedKubeconfig(
  cluster: { server: string; ca: string; token: string },
  proxyUrl: string,
): string {
  const port = new URL(cluster.server).port;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'proxied',
    clusters: [
      {
        name: 'proxied',
        cluster: {
          server: `https://${PROXIED_HOST}:${port}`,
          'certificate-authority-data': Buffer.from(cluster.ca).toString('base64'),
          'proxy-url': proxyUrl,
        },
      },
    ],
    users: [{ name: 'proxied', user: { token: cluster.token } }],
    contexts: [{ name: 'proxied', context: { cluster: 'proxied', user: 'proxied' } }],
  });
}

/** One of the names in the API server's certificate that this machine cannot resolve. */
export const PROXIED_HOST = 'kubernetes.default.svc';

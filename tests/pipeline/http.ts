// A local HTTP server on a free loopback port, for the firmware download tests.
import { type RequestListener, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface LocalServer {
  /** http://127.0.0.1:PORT */
  base: string;
  close(): Promise<void>;
}

export async function serve(handler: RequestListener): Promise<LocalServer> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

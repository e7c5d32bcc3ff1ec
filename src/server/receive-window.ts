/**
 * The HTTP/2 receive window the broker advertises. grpc-js (1.14) reads
 * `grpc-node.flow_control_window` on channels only, never on servers
 * (grpc/grpc-node#3058), so every connection would keep HTTP/2's 64 KiB window:
 * a client then sends 64 KiB of a ProduceBatch and waits for the broker's event
 * loop to answer a WINDOW_UPDATE before the next 64 KiB, and batches in flight
 * share that one window. Measured on `produce/100B-batch1000 --no-sync` (two
 * interleaved pairs): 222k/270k msg/s with 64 KiB, 345k/337k with this window.
 */
import type { Http2Server, ServerHttp2Session } from "node:http2";
import type * as grpc from "@grpc/grpc-js";

/** Per stream and per connection; it matches the clients' own receive window order of magnitude. */
export const RECEIVE_WINDOW_BYTES = 8 * 1024 * 1024;

/**
 * Raises the window on every listener of a bound `server`: the initial stream window
 * in the SETTINGS of new connections, and the connection window of each new session.
 * Returns false (the caller logs it) when grpc-js no longer keeps its listeners where
 * this looks; then the defaults stay, which is slower, never wrong.
 */
export function raiseReceiveWindow(server: grpc.Server, windowBytes = RECEIVE_WINDOW_BYTES): boolean {
  const listeners = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(listeners instanceof Map) || listeners.size === 0) return false;
  for (const listener of listeners.keys() as IterableIterator<Http2Server>) {
    if (typeof listener.updateSettings !== "function") return false;
    listener.updateSettings({ initialWindowSize: windowBytes });
    listener.on("session", (session: ServerHttp2Session) => {
      session.setLocalWindowSize(windowBytes);
    });
  }
  return true;
}

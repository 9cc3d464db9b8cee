import { Server, type IncomingMessage, type RequestListener } from 'node:http';
import { distrustTraceContext } from '../../shared/telemetry/edge-trust';
import { answerClientError } from './client-error';

/**
 * The gateway's HTTP server. Before a request is handed on (to the stock http instrumentation
 * when auto instrumentation patched `Server.prototype.emit`, then to the app), the trace context
 * headers of a caller `trusted` does not accept are taken off it (shared/telemetry/edge-trust.ts),
 * so whatever makes the request's span starts a new trace, the same under every tracing mode.
 * A request its HTTP parser refuses is answered with the gateway's headers too (client-error.ts).
 */
export class EdgeServer extends Server {
  constructor(
    app: RequestListener,
    private readonly trusted: (req: IncomingMessage) => boolean,
  ) {
    super(app);
    this.on('clientError', answerClientError);
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request' && !this.trusted(args[0] as IncomingMessage)) distrustTraceContext(args[0] as IncomingMessage);
    // Server.prototype.emit as it is now: patched by the http instrumentation in auto mode.
    return (super.emit as (event: string | symbol, ...args: unknown[]) => boolean).call(this, event, ...args);
  }
}

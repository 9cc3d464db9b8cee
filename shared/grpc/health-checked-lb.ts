import { connectivityState, credentials, experimental, status, type ClientReadableStream } from '@grpc/grpc-js';
import { HealthClientCtor, type HealthClient, type HealthStatus } from './health-client';

// The grpc-js this project locks has no client-side health checking (gRFC A17): it ignores `healthCheckConfig` in a
// service config, and its round_robin skips only subchannels that are not connected. A server
// that is up but reports NOT_SERVING (draining, or its database is gone) would keep getting
// calls. This policy closes that gap the way A17 describes it: it sits above a child policy
// (round_robin), wraps every subchannel the child creates, and while a subchannel is connected
// keeps a `grpc.health.v1.Health/Watch` stream open on that very connection. A status other than
// SERVING marks the subchannel unhealthy; grpc-js's pick_first leaves (which round_robin is made
// of) then report it as TRANSIENT_FAILURE, so round_robin stops picking it until it is SERVING
// again. It uses only grpc-js's `experimental` load-balancer API, the one its own
// outlier_detection policy is built on.

/** The policy's name in a service config's `loadBalancingConfig`. */
export const HEALTH_CHECKED_POLICY = 'traced_health_checked';

/**
 * How a call fails when no instance serves but at least one is connected and answers NOT_SERVING
 * (rather than the channel's "no connection established"), so a readiness check can tell
 * "not serving" from "unreachable": see {@link isNotServingError}.
 */
export const NOT_SERVING_DETAILS = 'no instance is SERVING: the connected ones report NOT_SERVING';

/** Whether a failed call's details say every reachable instance reports NOT_SERVING. */
export function isNotServingError(err: { details?: string } | null | undefined): boolean {
  return err?.details?.startsWith(NOT_SERVING_DETAILS) === true;
}

/** How long to wait before reopening a Watch stream that failed while the connection stayed up. */
const WATCH_RETRY_MS = 1_000;

class HealthCheckedConfig implements experimental.TypedLoadBalancingConfig {
  constructor(
    readonly serviceName: string,
    readonly child: experimental.TypedLoadBalancingConfig,
  ) {}

  getLoadBalancerName(): string {
    return HEALTH_CHECKED_POLICY;
  }

  toJsonObject(): object {
    return { [HEALTH_CHECKED_POLICY]: { serviceName: this.serviceName, childPolicy: [this.child.toJsonObject()] } };
  }

  static createFromJson(obj: unknown): HealthCheckedConfig {
    const { serviceName, childPolicy } = (obj ?? {}) as { serviceName?: unknown; childPolicy?: unknown };
    if (typeof serviceName !== 'string') throw new Error(`${HEALTH_CHECKED_POLICY}: serviceName must be a string`);
    const child = Array.isArray(childPolicy) ? experimental.selectLbConfigFromList(childPolicy, false) : null;
    if (!child) throw new Error(`${HEALTH_CHECKED_POLICY}: childPolicy must name a registered policy`);
    return new HealthCheckedConfig(serviceName, child);
  }
}

/**
 * A subchannel whose health follows its server's `Watch` stream for one service. A fresh
 * connection counts as healthy until the first answer: grpc-js cannot hold a connected
 * subchannel back the way A17's CONNECTING state does, and an unhealthy-until-answered one would
 * fail every call to a lone instance for the first milliseconds of each reconnect.
 */
class HealthWatchedSubchannel extends experimental.BaseSubchannelWrapper {
  private client: HealthClient | undefined;
  private call: ClientReadableStream<{ status: HealthStatus }> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private destroyed = false;
  private readonly onState: experimental.ConnectivityStateListener = (_sub, _previous, state) => this.follow(state);

  constructor(
    child: experimental.SubchannelInterface,
    private readonly serviceName: string,
    private readonly onDestroy: (self: HealthWatchedSubchannel) => void,
  ) {
    super(child);
    child.addConnectivityStateListener(this.onState);
    this.follow(child.getConnectivityState());
  }

  /** Connected, and its server says it is not serving. */
  answersNotServing(): boolean {
    return this.child.getConnectivityState() === connectivityState.READY && !this.isHealthy();
  }

  /** Watches while connected; a lost connection ends the stream (the server's drain waits for it). */
  private follow(state: connectivityState): void {
    if (this.destroyed) return;
    if (state === connectivityState.READY) {
      if (!this.call && !this.retry) {
        this.setHealthy(true);
        this.watch();
      }
    } else {
      this.stopWatching();
    }
  }

  private watch(): void {
    // A client on this subchannel's own connection, so the answer is about this instance (the
    // credentials argument is unused with channelOverride: the watch rides that mutual-TLS connection).
    this.client ??= new HealthClientCtor('health-watch', credentials.createInsecure(), { channelOverride: this.child.getChannel() });
    const call = this.client.Watch({ service: this.serviceName });
    this.call = call;
    call.on('data', (res: { status: HealthStatus }) => this.setHealthy(res.status === 'SERVING'));
    call.on('error', (err: { code?: number }) => {
      if (this.call !== call) return;
      this.call = undefined;
      // A server without the health service is taken at its word that it serves (A17).
      if (err.code === status.UNIMPLEMENTED) return this.setHealthy(true);
      if (err.code === status.CANCELLED) return;
      this.setHealthy(false);
      this.retryLater();
    });
    call.on('end', () => {
      if (this.call !== call) return;
      this.call = undefined;
      this.retryLater();
    });
  }

  private retryLater(): void {
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.follow(this.child.getConnectivityState());
    }, WATCH_RETRY_MS);
    this.retry.unref();
  }

  private stopWatching(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    const call = this.call;
    this.call = undefined;
    call?.cancel();
  }

  protected override destroy(): void {
    this.destroyed = true;
    this.stopWatching();
    this.child.removeConnectivityStateListener(this.onState);
    this.client?.close();
    this.onDestroy(this);
    super.destroy();
  }
}

class HealthCheckedLoadBalancer implements experimental.LoadBalancer {
  private readonly child: experimental.ChildLoadBalancerHandler;
  private readonly subchannels = new Set<HealthWatchedSubchannel>();
  private serviceName = '';

  constructor(helper: experimental.ChannelControlHelper) {
    this.child = new experimental.ChildLoadBalancerHandler(
      experimental.createChildChannelControlHelper(helper, {
        createSubchannel: (address, args) => {
          const sub = new HealthWatchedSubchannel(helper.createSubchannel(address, args), this.serviceName, (s) => this.subchannels.delete(s));
          this.subchannels.add(sub);
          return sub;
        },
        updateState: (state, picker, errorMessage) => {
          if (state === connectivityState.TRANSIENT_FAILURE && [...this.subchannels].some((s) => s.answersNotServing())) {
            const details = `${NOT_SERVING_DETAILS} (${this.serviceName})`;
            helper.updateState(state, new experimental.UnavailablePicker({ code: status.UNAVAILABLE, details }), details);
          } else {
            helper.updateState(state, picker, errorMessage);
          }
        },
      }),
    );
  }

  updateAddressList(
    endpoints: Parameters<experimental.LoadBalancer['updateAddressList']>[0],
    config: experimental.TypedLoadBalancingConfig,
    options: Parameters<experimental.LoadBalancer['updateAddressList']>[2],
    resolutionNote: string,
  ): boolean {
    if (!(config instanceof HealthCheckedConfig)) return false;
    this.serviceName = config.serviceName;
    return this.child.updateAddressList(endpoints, config.child, options, resolutionNote);
  }

  exitIdle(): void {
    this.child.exitIdle();
  }

  resetBackoff(): void {
    this.child.resetBackoff();
  }

  destroy(): void {
    this.child.destroy();
  }

  getTypeName(): string {
    return HEALTH_CHECKED_POLICY;
  }
}

let registered = false;

/** Registers the policy with grpc-js (once per process); channel-options.ts calls it. */
export function registerHealthCheckedPolicy(): void {
  if (registered) return;
  registered = true;
  experimental.registerLoadBalancerType(HEALTH_CHECKED_POLICY, HealthCheckedLoadBalancer, HealthCheckedConfig);
}

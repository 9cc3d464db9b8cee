import type { Context } from '@opentelemetry/api';

/**
 * A Context as a linked list: `setValue` adds one node in front of its parent instead of copying
 * the parent's Map, as the API's BaseContext does. A request's context holds two or three values
 * (the caller's span context, the request's span, a client span), so a lookup walks at most a
 * few nodes, and no Map is copied per value (the API's context copies showed up in every
 * process's heap profile, bench/README.md). The semantics are BaseContext's: contexts are immutable, the newest value of a key
 * wins, and a deleted key reads as undefined. The trade: a value set over stays reachable while
 * the context lives, and a lookup walks every node. Right for a request's short-lived context;
 * code that sets values in a loop on one long-lived chain should start from ROOT_CONTEXT.
 */
class LeanContext implements Context {
  constructor(
    private readonly parent: LeanContext | undefined,
    private readonly key: symbol | undefined,
    private readonly value: unknown,
  ) {}

  getValue(key: symbol): unknown {
    for (let node: LeanContext | undefined = this; node !== undefined; node = node.parent) {
      if (node.key === key) return node.value;
    }
    return undefined;
  }

  setValue(key: symbol, value: unknown): Context {
    return new LeanContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    // A node that maps the key to undefined hides every older value of it, as a delete does.
    return this.getValue(key) === undefined ? this : new LeanContext(this, key, undefined);
  }
}

/**
 * The empty context every request's context starts from (instead of the API's ROOT_CONTEXT), so
 * that every context derived from it is a {@link LeanContext}.
 */
export const LEAN_ROOT_CONTEXT: Context = new LeanContext(undefined, undefined, undefined);

import { parse as parseYaml } from 'yaml';
import { ofKind, type Deployment, type Manifests } from './manifests';
import { podEnv } from './pod-env';

// A Jaeger pod's configuration as the pod sees it: the ConfigMap file its --config names, with the
// pod's environment in place of the `${env:NAME:-default}` the deploy/ configurations read.

/** The ConfigMap a Jaeger container's `--config` file comes from, with that file's text. */
export function jaegerConfigOf(m: Manifests, d: Deployment): { name: string; config: string } | undefined {
  for (const c of d.spec.template.spec.containers) {
    const at = c.args?.indexOf('--config') ?? -1;
    const file = at >= 0 ? c.args?.[at + 1] : undefined;
    const mount = file && c.volumeMounts?.find((vm) => file.startsWith(`${vm.mountPath}/`));
    const volume = mount && d.spec.template.spec.volumes?.find((v) => v.name === mount.name);
    const map = volume && volume.configMap && ofKind(m, 'ConfigMap').find((cm) => cm.metadata.name === volume.configMap!.name);
    const text = map && mount && map.data?.[file.slice(mount.mountPath.length + 1)];
    if (map && text !== undefined) return { name: map.metadata.name, config: text };
  }
  return undefined;
}

/** The environment of a Jaeger Deployment's container: what its config's `${env:...}` read. */
export function jaegerEnv(d: Deployment): Record<string, string> {
  return podEnv(d, d.spec.template.spec.containers[0]!).env;
}

/** A Jaeger config with `${env:NAME:-default}` replaced as the collector does, parsed. */
export function renderJaegerConfig(text: string, env: Record<string, string>): unknown {
  return parseYaml(text.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_all, name: string, fallback?: string) => env[name] ?? fallback ?? ''));
}

/** The port of a `host:port` endpoint at `keys` in a rendered config. */
export function endpointPort(config: unknown, keys: string[]): number | undefined {
  const value = keys.reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), config);
  const port = typeof value === 'string' ? /:(\d+)$/.exec(value)?.[1] : undefined;
  return port === undefined ? undefined : Number(port);
}

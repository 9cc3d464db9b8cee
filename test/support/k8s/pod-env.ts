import crypto from 'node:crypto';
import type { Container, Deployment } from './manifests';

/** A container's environment as the kubelet would give it, and what could not be resolved. */
export interface PodEnv {
  env: Record<string, string>;
  /** Variables set from a Secret (their values here are placeholders). */
  fromSecrets: Set<string>;
  problems: string[];
}

/** The name a pod of `deployment` gets (`<deployment>-<template hash>-<suffix>`), for the downward API. */
export function podNameOf(deployment: Deployment): string {
  return `${deployment.metadata.name}-5d8f7c9b6-x2kqz`;
}

// Plausible values for the Secrets' keys: what a real Secret would hold, in the shape each
// process's config schema checks. A key without one is a problem (a Secret nobody described).
function secretPlaceholder(key: string): string | undefined {
  if (/_DB_URL$/.test(key)) return `postgres://app:${crypto.randomBytes(12).toString('hex')}@postgres.example:5432/app`;
  if (key === 'JWT_SECRET') return crypto.randomBytes(32).toString('base64url');
  return undefined;
}

const FIELD_VALUES: Record<string, (d: Deployment) => string> = {
  'metadata.name': podNameOf,
  'metadata.namespace': (d) => d.metadata.namespace ?? 'default',
  'spec.nodeName': () => 'node-1',
};

/**
 * Resolves `env` in order as Kubernetes does: `$(NAME)` is replaced by a variable defined earlier
 * in the list (a later or unknown one stays literal, reported here), Secret references get
 * placeholders, downward-API fields the pod's values.
 */
export function podEnv(deployment: Deployment, container: Container): PodEnv {
  const env: Record<string, string> = {};
  const fromSecrets = new Set<string>();
  const problems: string[] = [];
  const where = `${deployment.metadata.name}/${container.name}`;
  for (const v of container.env ?? []) {
    if (v.value !== undefined) {
      env[v.name] = v.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, name: string) => {
        if (name in env) return env[name]!;
        problems.push(`${where}: ${v.name} refers to $(${name}), which is not defined before it`);
        return ref;
      });
    } else if (v.valueFrom?.secretKeyRef) {
      const placeholder = secretPlaceholder(v.valueFrom.secretKeyRef.key);
      if (placeholder === undefined) problems.push(`${where}: ${v.name}: no placeholder for Secret key ${v.valueFrom.secretKeyRef.key}`);
      env[v.name] = placeholder ?? '';
      fromSecrets.add(v.name);
    } else if (v.valueFrom?.fieldRef) {
      const field = FIELD_VALUES[v.valueFrom.fieldRef.fieldPath];
      if (!field) problems.push(`${where}: ${v.name}: downward API field ${v.valueFrom.fieldRef.fieldPath} not known to these checks`);
      env[v.name] = field ? field(deployment) : '';
    } else {
      problems.push(`${where}: ${v.name} has neither a value nor a valueFrom`);
    }
  }
  return { env, fromSecrets, problems };
}

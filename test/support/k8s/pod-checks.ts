import { deployments, nameOf, type Manifests } from './manifests';

/** `500m` / `2` CPUs in millicores, `320Mi` / `1Gi` memory in MiB (the units used here). */
function quantity(value: string | undefined): number {
  const m = /^(\d+)(m|Mi|Gi)?$/.exec(value ?? '');
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'm' || m[2] === 'Mi' ? n : m[2] === 'Gi' ? n * 1024 : n * 1000;
}

/**
 * Every container has CPU and memory requests and limits, requests within limits, and runs
 * hardened: non-root (a numeric user, so the kubelet can check it), no privilege escalation, no
 * capabilities, a read-only root filesystem.
 */
export function podHardeningProblems(m: Manifests): string[] {
  const problems: string[] = [];
  for (const d of deployments(m)) {
    const pod = d.spec.template.spec;
    if (pod.securityContext?.runAsNonRoot !== true || !(Number(pod.securityContext.runAsUser) > 0)) {
      problems.push(`${nameOf(d)}: the pod must run as non-root with a numeric runAsUser`);
    }
    for (const c of pod.containers) {
      const where = `${nameOf(d)} container ${c.name}`;
      for (const resource of ['cpu', 'memory']) {
        const request = quantity(c.resources?.requests?.[resource]);
        const limit = quantity(c.resources?.limits?.[resource]);
        if (!(request > 0 && limit >= request)) problems.push(`${where}: ${resource} needs a request and a limit at least as large`);
      }
      const sc = c.securityContext;
      if (sc?.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem must be true`);
      if (sc?.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
      if (!sc?.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities must drop ALL`);
    }
  }
  return problems;
}

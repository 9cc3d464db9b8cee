import path from 'node:path';
import { projectRoot } from '../../shared/paths';

/** Where scripts/tools.sh puts the Go tools: TOOLS_BIN_DIR, else .tools/bin. */
export const toolsBinDir = process.env.TOOLS_BIN_DIR || path.join(projectRoot, '.tools', 'bin');

/** The Jaeger binary scripts/tools.sh builds. */
export const jaegerBinary = path.join(toolsBinDir, 'jaeger');

/** The load-balancing layer of `--collector N` scripts/tools.sh builds (deploy/otelcol-lb/manifest.yaml). */
export const otelcolLbBinary = path.join(toolsBinDir, 'otelcol-lb');

/** The ghz binary scripts/tools.sh builds. */
export const ghzBinary = path.join(toolsBinDir, 'ghz');

/** scripts/tools.sh's exit code when Go is missing or too old (it has said what to install). */
export const TOOLS_EXIT_NO_GO = 3;

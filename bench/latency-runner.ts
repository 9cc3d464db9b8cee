// Runs one timing job (http-timing.ts) in a process of its own, forked by the latency phase, so
// the harness's own work never delays the clock. Receives a TimingJob over IPC, answers with each
// target's latencies.
import { runTimingJob, type TimingJob } from './http-timing';

process.once('message', (message: unknown) => {
  runTimingJob(message as TimingJob).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (err: unknown) => process.send?.({ ok: false, error: (err as Error).message ?? String(err) }, () => process.exit(1)),
  );
});

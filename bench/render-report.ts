// Re-renders a JSON report (bench/results/<time>.json) as markdown, re-evaluating the targets with
// the current code: for a report format change without re-running 40 minutes of load.
//   node dist/bench/render-report.js <report.json> [out.md]
import fs from 'node:fs';
import { evaluateTargets, gatewayOverhead, renderMarkdown, summarize, type BenchReport } from './report';

if (require.main === module) {
  const [input, output] = process.argv.slice(2);
  if (!input) {
    process.stderr.write('usage: node dist/bench/render-report.js <report.json> [out.md]\n');
    process.exit(2);
  }
  const report = JSON.parse(fs.readFileSync(input, 'utf8')) as BenchReport;
  report.summary = summarize(report.measurements);
  report.gatewayOverhead = gatewayOverhead(report.summary, 'rest-get-user', 'ghz-get-user');
  report.gatewayOverheadUnloaded = gatewayOverhead(report.summary, 'rest-get-user-c1', 'ghz-get-user-c1');
  report.targets = evaluateTargets(report.summary, report.gatewayOverhead, report.gatewayOverheadUnloaded, report.options, report.measurements);
  const md = renderMarkdown(report);
  if (output) fs.writeFileSync(output, md);
  else process.stdout.write(md);
}

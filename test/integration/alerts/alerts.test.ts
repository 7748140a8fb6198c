import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { helm, prometheus } from '../../infra/index.js';

/**
 * The alerts are a plain Prometheus rule file (charts/gridlake/files/alerts.yaml)
 * that the chart wraps in a PrometheusRule: promtool checks it and runs its
 * unit tests (test/alerts/alerts.test.yaml); every alert must have a case
 * where it fires and one where it stays quiet, and a runbook section.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const RULES = path.join(ROOT, 'charts/gridlake/files/alerts.yaml');
const TESTS = path.join(ROOT, 'test/alerts/alerts.test.yaml');
const exec = promisify(execFile);

interface Rule {
  readonly alert?: string;
  readonly annotations?: Record<string, string>;
}
interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly Rule[] }[];
}
interface RuleTests {
  readonly tests: readonly {
    readonly alert_rule_test?: readonly { readonly alertname: string; readonly exp_alerts: readonly unknown[] }[];
  }[];
}

const rules = parse(readFileSync(RULES, 'utf8')) as RuleFile;
const alerts = rules.groups.flatMap((g) => g.rules).filter((r): r is Rule & { alert: string } => !!r.alert);

describe('alerts', () => {
  it('promtool check rules passes', async () => {
    const { promtool } = await prometheus();
    const { stdout } = await exec(promtool, ['check', 'rules', RULES]);
    expect(stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it('promtool test rules passes, and can fail', async () => {
    const { promtool } = await prometheus();
    const { stdout } = await exec(promtool, ['test', 'rules', path.basename(TESTS)], { cwd: path.dirname(TESTS) });
    expect(stdout).toContain('SUCCESS');
    // The same tests against a rule file whose power threshold is an hour: the firing case must now fail.
    const dir = await mkdtemp(path.join(ROOT, 'test/alerts/.tmp-'));
    try {
      await writeFile(path.join(dir, 'alerts.yaml'), readFileSync(RULES, 'utf8').replace('> 15 * 60', '> 60 * 60'));
      await writeFile(
        path.join(dir, 'alerts.test.yaml'),
        readFileSync(TESTS, 'utf8').replace('../../charts/gridlake/files/alerts.yaml', 'alerts.yaml'),
      );
      const failed = await exec(promtool, ['test', 'rules', 'alerts.test.yaml'], { cwd: dir }).then(
        () => null,
        (err: { stdout?: string; stderr?: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}`,
      );
      expect(failed).toContain('alertname: GridlakePowerSourceStale');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('every alert has a firing case and a quiet case', () => {
    const cases = (parse(readFileSync(TESTS, 'utf8')) as RuleTests).tests.flatMap((t) => t.alert_rule_test ?? []);
    const missing = alerts.flatMap((a) => {
      const mine = cases.filter((c) => c.alertname === a.alert);
      return [
        ...(mine.some((c) => c.exp_alerts.length > 0) ? [] : [`${a.alert}: no case where it fires`]),
        ...(mine.some((c) => c.exp_alerts.length === 0) ? [] : [`${a.alert}: no case where it stays quiet`]),
      ];
    });
    expect(missing).toEqual([]);
  });

  it('every alert links its section of docs/runbooks.md', () => {
    const headings = readFileSync(path.join(ROOT, 'docs/runbooks.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('## '))
      .map((l) => l.slice(3).trim().toLowerCase());
    const broken = alerts.flatMap((a) => {
      const url = a.annotations?.['runbook_url'] ?? '';
      const anchor = /\/docs\/runbooks\.md#(.+)$/.exec(url)?.[1];
      return anchor === a.alert.toLowerCase() && headings.includes(anchor)
        ? []
        : [`${a.alert}: ${url || 'no runbook_url'}`];
    });
    expect(broken).toEqual([]);
  });

  it('the chart installs exactly this rule file as a PrometheusRule', async () => {
    const h = await helm();
    const { stdout } = await exec(
      h.helm,
      [
        'template',
        'gl',
        path.join(ROOT, 'charts/gridlake'),
        '--set',
        'prometheusRule.enabled=true',
        '--show-only',
        'templates/prometheusrule.yaml',
      ],
      { env: { ...process.env, ...h.env } },
    );
    const [rule] = parseAllDocuments(stdout).map((d) => d.toJS() as { kind: string; spec: RuleFile });
    expect(rule?.kind).toBe('PrometheusRule');
    expect(rule?.spec).toEqual(rules);
  });
});

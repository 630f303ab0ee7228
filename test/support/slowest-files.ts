/**
 * Prints, after every run, the test files that took longest, so whoever makes the suite slower
 * sees it: each file's time split into setup and import (environment, runner, the file's imports)
 * and tests (its tests and hooks, seeding in beforeAll included), and the run's wall time.
 */
import type { Reporter, TestModule, Vitest } from 'vitest/node';

const SHOWN = 10;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`.padStart(8);

export default class SlowestFiles implements Reporter {
  private log: (line: string) => void = console.log;
  private startedAt = performance.now();

  onInit(vitest: Vitest) {
    this.log = (line) => vitest.logger.log(line);
  }

  onTestRunStart() {
    this.startedAt = performance.now();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>) {
    const files = testModules.map((module) => {
      const d = module.diagnostic();
      const setup = d.environmentSetupDuration + d.prepareDuration + d.setupDuration + d.collectDuration;
      return { name: module.relativeModuleId, setup, tests: d.duration, total: setup + d.duration };
    });
    if (files.length === 0) return;
    const slowest = files.sort((a, b) => b.total - a.total).slice(0, SHOWN);
    const sum = files.reduce((total, file) => total + file.total, 0);
    const width = Math.max(...slowest.map((file) => file.name.length));
    const lines = [
      '',
      ` Slowest ${slowest.length} of ${files.length} test files (setup and import + tests = total):`,
      ...slowest.map(
        (file) =>
          `   ${file.name.padEnd(width)} ${seconds(file.setup)} + ${seconds(file.tests)} = ${seconds(file.total)}`,
      ),
      ` All ${files.length} files: ${seconds(sum).trim()} of work in ${seconds(performance.now() - this.startedAt).trim()} wall time`,
      '',
    ];
    for (const line of lines) this.log(line);
  }
}

/**
 * The docs' shell walkthroughs, read and run. Every ```bash or ```sh block of a page is one, unless its
 * info string says `not-run`; a page's `##` section is run as one bash script, in order, and a
 * section that says "Continues in the shell of [...](#anchor)" starts with the variables and
 * functions that section's shell ended with. What each command prints is compared with the `# ` lines
 * written directly under it (see "Reading the walkthroughs" in docs/getting-started.md).
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { dayOf } from '@polku/domain';

/** Commands and the output shown under them. */
export interface Step {
  /** 1-based line in the page of the step's first line. */
  line: number;
  code: string;
  /** The `# ` lines under it, without the `# `; empty when nothing is shown (it must print nothing). */
  expected: string[];
}

export interface Walkthrough {
  /** `<page>#<anchor>`, the page relative to the repository root. */
  id: string;
  page: string;
  title: string;
  /** The id of the walkthrough whose shell this one continues in. */
  continues?: string;
  steps: Step[];
}

const CONTINUES = /Continues in the shell of \[[^\]]+\]\(([^)]*)\)/;
const FENCE = /^(\s*)(`{3,})(.*)$/;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The walkthroughs of one page (`page` relative to the repository root), in order. */
export function walkthroughsIn(page: string, markdown: string): Walkthrough[] {
  const lines = markdown.split('\n');
  const found: Walkthrough[] = [];
  let current: Walkthrough | undefined;
  const section = (title: string) => {
    current = { id: `${page}#${anchorOf(title)}`, page, title, steps: [] };
    found.push(current);
  };
  section(lines[0]?.replace(/^#\s*/, '') ?? page);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^##\s+(.*)$/.exec(line);
    if (heading) section(heading[1]!);
    const continues = CONTINUES.exec(line);
    if (continues && current) current.continues = resolveLink(page, continues[1]!);
    const fence = FENCE.exec(line);
    if (!fence) continue;
    const [, indent, ticks, info] = fence as unknown as [string, string, string, string];
    const end = lines.findIndex((l, j) => j > i && l.trim() === ticks);
    if (end < 0) throw new Error(`${page}:${i + 1}: a code block that does not end`);
    const words = info.trim().split(/\s+/);
    if (['bash', 'sh'].includes(words[0]!) && !words.includes('not-run')) {
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
      current!.steps.push(...stepsOf(body, i + 2));
    }
    i = end;
  }
  return found.filter((walkthrough) => walkthrough.steps.length > 0);
}

function resolveLink(page: string, link: string): string {
  const [file, anchor = ''] = link.split('#');
  return `${file ? normalize(join(dirname(page), file)) : page}#${anchor}`;
}

/**
 * A block's steps. `# ` lines right under a command (no blank line between) are what it prints; a
 * comment after a blank line or at the top is prose, part of the next step's code.
 */
function stepsOf(body: string[], firstLine: number): Step[] {
  const steps: Step[] = [];
  let code: string[] = [];
  let start = firstLine;
  for (let i = 0; i < body.length; i++) {
    const line = body[i]!;
    const previous = body[i - 1];
    const isComment = /^#( |$)/.test(line);
    const underCode = previous !== undefined && previous.trim() !== '' && !/^#( |$)/.test(previous);
    if (isComment && underCode && code.length > 0) {
      const expected: string[] = [];
      while (i < body.length && /^#( |$)/.test(body[i]!)) expected.push(body[i++]!.replace(/^# ?/, ''));
      i--;
      steps.push({ line: start, code: code.join('\n'), expected });
      code = [];
      start = firstLine + i + 1;
      continue;
    }
    if (code.length === 0 && line.trim() === '') {
      start = firstLine + i + 1;
      continue;
    }
    code.push(line);
  }
  if (code.some((line) => line.trim() !== '' && !line.startsWith('#')))
    steps.push({ line: start, code: code.join('\n'), expected: [] });
  return steps;
}

// ---- comparing what was printed with what the text shows

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A shown line as a pattern: `…` any text, `<today>`, `<date>` any date, `<$NAME>` the variable's value. */
function patternOf(shown: string, vars: Record<string, string>, today: string): RegExp {
  const parts = shown.split(/(…|<today>|<date>|<\$\w+>)/);
  const source = parts
    .map((part, i) => {
      if (i % 2 === 0) return literally(part);
      if (part === '…') return '.*';
      if (part === '<today>') return literally(today);
      if (part === '<date>') return '\\d{4}-\\d{2}-\\d{2}';
      return literally(vars[part.slice(2, -1)] ?? `<unset ${part}>`);
    })
    .join('');
  return new RegExp(`^${source}$`, 'u');
}

/** Whether printed lines match the shown ones; a shown line that is only `…` stands for any lines. */
export function matches(shown: string[], printed: string[], vars: Record<string, string>, today: string) {
  const patterns = shown.map((line) => (line === '…' ? undefined : patternOf(line, vars, today)));
  const memo = new Map<string, boolean>();
  const from = (s: number, p: number): boolean => {
    const key = `${s},${p}`;
    if (memo.has(key)) return memo.get(key)!;
    let result: boolean;
    if (s === patterns.length) result = p === printed.length;
    else if (patterns[s] === undefined) result = from(s + 1, p) || (p < printed.length && from(s, p + 1));
    else result = p < printed.length && patterns[s]!.test(printed[p]!) && from(s + 1, p + 1);
    memo.set(key, result);
    return result;
  };
  return from(0, 0);
}

/** Shown and printed side by side, `-` for what the text shows and `+` for what the command printed. */
function diff(shown: string[], printed: string[]): string {
  return [...shown.map((line) => `- ${line}`), ...printed.map((line) => `+ ${line}`)].join('\n');
}

// ---- running

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  /** Where a walkthrough's shell is saved for those that continue in it. */
  stateDir: string;
  timeoutMs?: number;
}

export interface RunResult {
  /** Why the walkthrough failed: the page, section, line, command and a diff; undefined when it held. */
  failure?: string;
}

const MARK = '\x1e';
const lastLines = (text: string) => text.split('\n').slice(-30).join('\n');

/** The bash script of a walkthrough: markers between steps, the shell saved at the end. */
function scriptOf(walkthrough: Walkthrough, stateIn: string | undefined, stateOut: string): string {
  const vars = (step: Step) =>
    [...new Set(step.expected.join('\n').match(/<\$\w+>/g) ?? [])]
      .map((v) => v.slice(2, -1))
      .map((name) => `printf '${MARK}var %s=%s${MARK}\\n' ${name} "\${${name}-}"`);
  return [
    'set -euo pipefail',
    'exec 2>&1',
    `__polku_before=" $(compgen -v | tr '\\n' ' ') "`,
    ...(stateIn ? [`source ${JSON.stringify(stateIn)}`] : []),
    ...walkthrough.steps.flatMap((step, i) => [
      `printf '\\n${MARK}step ${i}${MARK}\\n'`,
      step.code,
      ...vars(step),
    ]),
    `printf '\\n${MARK}end${MARK}\\n'`,
    '{',
    '  for __polku_v in $(compgen -v); do',
    '    case "$__polku_before" in *" $__polku_v "*) ;; *) [[ $__polku_v == __polku* ]] || declare -p "$__polku_v" ;; esac',
    '  done',
    '  declare -f',
    `  printf 'cd %q\\n' "$PWD"`,
    `} > ${JSON.stringify(stateOut)}`,
    '',
  ].join('\n');
}

/** Runs one walkthrough (after the one it continues, whose saved shell it starts from). */
export async function runWalkthrough(
  walkthrough: Walkthrough,
  options: RunOptions,
  stateIn?: string,
): Promise<RunResult & { stateOut: string }> {
  const stateOut = join(options.stateDir, `${walkthrough.id.replace(/[^\w]+/g, '_')}.sh`);
  const script = join(options.stateDir, `${walkthrough.id.replace(/[^\w]+/g, '_')}.run.sh`);
  await writeFile(script, scriptOf(walkthrough, stateIn, stateOut));
  const { output, code, timedOut } = await runBash(script, options);
  const where = (step: Step) => `${walkthrough.page}:${step.line} (§ ${walkthrough.title})`;
  // What `<today>` stands for: today in the tenant's calendar, as the API counts it.
  const today = dayOf(new Date());
  const chunks = output.split(new RegExp(`\\n?${MARK}(step \\d+|end)${MARK}\\n`));
  // chunks: [before the first step, 'step 0', its output, 'step 1', …, 'end', after]
  const outputs = new Map<number, string>();
  let ended = false;
  for (let i = 1; i < chunks.length; i += 2) {
    if (chunks[i] === 'end') ended = true;
    else outputs.set(Number(chunks[i]!.slice(5)), chunks[i + 1] ?? '');
  }
  for (const [i, step] of walkthrough.steps.entries()) {
    const text = outputs.get(i);
    if (text === undefined) break;
    const vars: Record<string, string> = {};
    const printed = text
      .replace(
        new RegExp(`${MARK}var (\\w+)=([^${MARK}]*)${MARK}\\n?`, 'g'),
        (_, name: string, value: string) => {
          vars[name] = value;
          return '';
        },
      )
      .split('\n')
      .map((line) => line.replace(/\r$/, ''));
    while (printed.length > 0 && printed.at(-1) === '') printed.pop();
    const last = i === walkthrough.steps.length - 1 ? ended : outputs.has(i + 1);
    if (!last) {
      const why = timedOut ? `timed out after ${options.timeoutMs} ms` : `the shell exited with ${code}`;
      return {
        stateOut,
        failure: `${where(step)}: ${why} in\n${step.code}\n\nit printed:\n${lastLines(printed.join('\n'))}`,
      };
    }
    if (!matches(step.expected, printed, vars, today)) {
      return {
        stateOut,
        failure: `${where(step)}: the output differs from the text's (- shown, + printed)\n${step.code}\n\n${diff(step.expected, printed)}`,
      };
    }
  }
  if (!ended)
    return {
      stateOut,
      failure: `${walkthrough.page} (§ ${walkthrough.title}): the shell exited with ${code} before its first step:\n${lastLines(output)}`,
    };
  return { stateOut };
}

function runBash(
  script: string,
  options: RunOptions,
): Promise<{ output: string; code: number | null; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', script], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ output, code, timedOut });
    });
  });
}

/**
 * Runs every walkthrough, each once the one it continues has ended, `concurrency` shells at a time;
 * one whose predecessor failed fails with it.
 */
export function runAll(
  walkthroughs: Walkthrough[],
  options: RunOptions & { concurrency: number },
): Map<string, Promise<RunResult>> {
  const byId = new Map(walkthroughs.map((walkthrough) => [walkthrough.id, walkthrough]));
  const runs = new Map<string, Promise<RunResult & { stateOut?: string }>>();
  let running = 0;
  const queue: (() => void)[] = [];
  const slot = async () => {
    if (running >= options.concurrency) await new Promise<void>((go) => queue.push(go));
    running++;
  };
  const release = () => {
    running--;
    queue.shift()?.();
  };
  const run = (walkthrough: Walkthrough): Promise<RunResult & { stateOut?: string }> => {
    const existing = runs.get(walkthrough.id);
    if (existing) return existing;
    const promise = (async () => {
      let stateIn: string | undefined;
      if (walkthrough.continues) {
        const before = byId.get(walkthrough.continues);
        if (!before)
          return {
            failure: `${walkthrough.id} continues in ${walkthrough.continues}, which is no walkthrough`,
          };
        const result = await run(before);
        if (result.failure) return { failure: `${walkthrough.id} continues in ${before.id}, which failed` };
        stateIn = result.stateOut;
      }
      await slot();
      try {
        return await runWalkthrough(walkthrough, options, stateIn);
      } catch (error) {
        return { failure: `${walkthrough.id}: ${error instanceof Error ? error.stack : String(error)}` };
      } finally {
        release();
      }
    })();
    runs.set(walkthrough.id, promise);
    return promise;
  };
  for (const walkthrough of walkthroughs) run(walkthrough);
  return runs;
}

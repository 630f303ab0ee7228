/**
 * Stack traces in the original TypeScript, mapped only when one is logged. Node's
 * `--enable-source-maps` parses the bundle's 2.7 MB source map at every cold start; the API
 * function skips that and reads the map (`index.mjs.map`, next to the bundle) the first time a
 * server error is logged. Frames of files without a map are left as they are.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const maps = new Map<string, SourceMap | undefined>();

function mapOf(file: string): SourceMap | undefined {
  if (!maps.has(file)) {
    let map: SourceMap | undefined;
    try {
      const path = file.startsWith('file://') ? fileURLToPath(file) : file;
      map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    maps.set(file, map);
  }
  return maps.get(file);
}

/** A frame line's location in a bundled file: `    at fn (/var/task/index.mjs:1:2345)`. */
const FRAME = /^(\s+at .*?)((?:file:\/\/)?\/[^\s():]+\.m?js):(\d+):(\d+)/gm;
/** Maps are kept per file; a stack names the bundle and Node's own files, so a few suffice. */
const MAX_MAPS = 8;

/**
 * `stack` with each frame of a bundled file replaced by its original source, line and column.
 * Never throws: it runs in the error handler, where the stack as it is would be better than nothing.
 */
export function sourceMapped(stack: unknown): string | undefined {
  if (typeof stack !== 'string') return undefined;
  try {
    return stack.replace(FRAME, (frame, prefix: string, file: string, line: string, column: string) => {
      if (!maps.has(file) && maps.size >= MAX_MAPS) return frame;
      const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
      if (!entry || !('originalSource' in entry)) return frame;
      return `${prefix}${entry.originalSource}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    });
  } catch {
    return stack;
  }
}

/**
 * A value loaded at cold start and again every `refreshMs` (a Lambda's view of the platform secret).
 * A failed first load is retried by the next call; a failed reload keeps what works.
 */
export function refreshing<T>(
  load: () => Promise<T>,
  refreshMs: number,
  log: (entry: Record<string, unknown>) => void,
): () => Promise<T> {
  let loaded: { value: Promise<T>; at: number } | undefined;
  const current = (): Promise<T> => {
    const now = Date.now();
    if (!loaded) {
      const value = load();
      loaded = { value, at: now };
      value.catch(() => {
        loaded = undefined;
      });
    } else if (now - loaded.at > refreshMs) {
      const previous = loaded.value;
      loaded = {
        at: now,
        value: load().catch((error: unknown) => {
          log({
            level: 'error',
            msg: 'the platform secret could not be reloaded; keeping the previous configuration',
            error: error instanceof Error ? error.message : String(error),
          });
          return previous;
        }),
      };
    }
    return loaded.value;
  };
  current().catch(() => {});
  return current;
}

/** POLKU_SECRET_REFRESH_SECONDS (default 600) in milliseconds; anything but a positive number is refused. */
export function secretRefreshMs(env = process.env): number {
  const seconds = Number(env.POLKU_SECRET_REFRESH_SECONDS ?? 600);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error('POLKU_SECRET_REFRESH_SECONDS must be a positive number of seconds');
  }
  return seconds * 1000;
}

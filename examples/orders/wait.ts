/** Polls `check` until it is true; rejects when `signal` aborts. */
export async function waitUntil(check: () => Promise<boolean> | boolean, signal: AbortSignal, what: string): Promise<void> {
  while (!(await check())) {
    if (signal.aborted) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

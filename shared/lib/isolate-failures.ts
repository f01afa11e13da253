/**
 * Writes a batch in one call and, when that call fails for a reason that lies in the items
 * (`isolates(error)`), halves the batch until each bad item stands alone: every good item is still
 * written, in few statements, and each bad one is handed to `onItemFailure` with its own error.
 * A failure `isolates` does not claim (the database is down) is thrown for the whole batch.
 */
export async function writeIsolatingFailures<T>(
  items: T[],
  write: (group: T[]) => Promise<void>,
  options: { isolates(error: unknown): boolean; onItemFailure(item: T, error: unknown): Promise<void> | void },
): Promise<void> {
  if (items.length === 0) return;
  try {
    await write(items);
  } catch (error) {
    if (!options.isolates(error)) throw error;
    if (items.length === 1) return options.onItemFailure(items[0] as T, error);
    const half = Math.ceil(items.length / 2);
    await writeIsolatingFailures(items.slice(0, half), write, options);
    await writeIsolatingFailures(items.slice(half), write, options);
  }
}

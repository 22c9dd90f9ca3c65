/** A path through the config as users write it in docs and errors: `sync_jobs[1].schedule.interval`. */
export type KeyPath = readonly PropertyKey[];

export function formatKeyPath(keyPath: KeyPath): string {
  let text = '';
  for (const segment of keyPath) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${String(segment)}` : String(segment);
  }
  return text;
}

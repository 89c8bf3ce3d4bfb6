// Backups of the store of a YOKE_HOME (src/store/backup.ts does the work).
import { join } from 'node:path';
import * as backup from '../store/backup.ts';

export type { StoreSummary } from '../store/backup.ts';

export function backupStore(home: string, file: string): Promise<backup.StoreSummary> {
  return backup.backupStore(join(home, 'yoke.db'), file);
}

export function restoreStore(home: string, file: string) {
  return backup.restoreStore(join(home, 'yoke.db'), file);
}

// Task ids: short enough to type (`yoke task show k4z1m2x9qa`), safe in a branch name
// (`yoke/<id>`) and a directory name, and sortable by creation time.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export function newTaskId(now = Date.now()): string {
  // 8 base-36 digits of milliseconds last until the year 2059; 4 random digits apart tasks
  // submitted in the same millisecond (1.7 million values).
  const time = now.toString(36).padStart(8, '0').slice(-8);
  const random = [...randomBytes(4)].map((b) => ALPHABET[b % 36]).join('');
  return `${time}${random}`;
}

export const TASK_ID_PATTERN = /^[0-9a-z]{12}$/;

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalFolderStore } from '../../../src/lake/local-folder-store.js';
import { resumePoint, writeRecord, type WriteRecord } from '../../../src/lake/sink-state.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function store(): LocalFolderStore {
  const d = mkdtempSync(join(tmpdir(), 'gridlake-state-'));
  dirs.push(d);
  return new LocalFolderStore(d);
}
const rec = (first: number, last: number, files: string[]): WriteRecord => ({
  v: 1,
  topic: 't',
  partition: 0,
  first,
  last,
  files: files.map((key) => ({ key, records: 1 })),
});

describe('sink write records', () => {
  it('has no resume point for a partition the lake has never seen', async () => {
    expect(await resumePoint(store(), 't', 0)).toEqual({ next: undefined, olderKeys: [] });
  });

  it('resumes after the newest complete flush and lists older records for cleanup', async () => {
    const s = store();
    await writeRecord(s, rec(0, 99, ['a.parquet']));
    await writeRecord(s, rec(100, 199, ['b.parquet']));
    await s.put('a.parquet', Buffer.from('x'));
    await s.put('b.parquet', Buffer.from('x'));
    const p = await resumePoint(s, 't', 0);
    expect(p.next).toBe(200);
    expect(p.redoLast).toBeUndefined();
    expect(p.olderKeys).toEqual(['raw/_sink/t/0/00000000000000000099.json']);
  });

  it('asks for a redo of exactly the recorded range when one of its files is missing', async () => {
    const s = store();
    await writeRecord(s, rec(100, 199, ['b.parquet', 'c.parquet']));
    await s.put('b.parquet', Buffer.from('x'));
    expect(await resumePoint(s, 't', 0)).toMatchObject({ next: 100, redoLast: 199 });
  });

  it('accepts the same record twice but refuses a different cut under the same name', async () => {
    const s = store();
    await writeRecord(s, rec(100, 199, ['b.parquet']));
    await writeRecord(s, rec(100, 199, ['b.parquet']));
    await expect(writeRecord(s, rec(150, 199, ['z.parquet']))).rejects.toMatchObject({
      code: 'GL_LAKE_STATE_CONFLICT',
    });
  });
});

import { openObjectStore, type StoreChoice } from '../lake/open-store.js';
import { LocalJoinStore, type JoinStore } from './join-store.js';
import { joinStoreFromObjectStore } from './object-store-join-store.js';

/** The lake a join reads and writes: a folder (the join's own reader), or an object store such as S3. */
export async function openJoinStore(choice: StoreChoice): Promise<JoinStore> {
  if (choice.kind === 'folder') return new LocalJoinStore(choice.dir);
  return joinStoreFromObjectStore(await openObjectStore(choice));
}

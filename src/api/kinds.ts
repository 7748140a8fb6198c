import { dailyJoinRunKind } from './daily-join-run.js';
import { dailyJoinKind } from './daily-join.js';
import type { KindDefinition } from './kind-definition.js';
import { lakeSinkKind } from './lake-sink.js';
import { powerSourceKind } from './power-source.js';
import { remoteSiteKind } from './remote-site.js';
import { weatherSourceKind } from './weather-source.js';

/** Every gridlake kind, in the order CRDs and docs list them. */
export const KINDS: readonly KindDefinition[] = [
  powerSourceKind,
  weatherSourceKind,
  lakeSinkKind,
  dailyJoinKind,
  dailyJoinRunKind,
  remoteSiteKind,
] as readonly KindDefinition[];

/** The definition of a kind by its name (`PowerSource`), if gridlake has it. */
export function kindByName(kind: string): KindDefinition | undefined {
  return KINDS.find((k) => k.kind === kind);
}

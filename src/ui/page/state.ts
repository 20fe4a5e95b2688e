// What the page holds between views and refreshes.
import type { Info, Stats } from './api';
import type { TraceModel } from './trace-model';

export type SortKey = 'recent' | 'longest' | 'shortest' | 'spans' | 'errors';

export interface PageState {
  /** every service the viewer knows, for the search form and the dependency graph */
  services: string[];
  /** the current search's traces, and the ids seen so far (new ones are highlighted) */
  results: TraceModel[];
  seenResults: Set<string>;
  sort: SortKey;
  /** the trace on view, and the id in the URL */
  trace: TraceModel | null;
  traceId: string | null;
  /** span ids collapsed, and selected (details open), in the waterfall */
  collapsed: Set<string>;
  selected: Set<string>;
  criticalPath: boolean;
  info: Info | null;
  stats: Stats | null;
}

export const state: PageState = {
  services: [],
  results: [],
  seenResults: new Set(),
  sort: 'recent',
  trace: null,
  traceId: null,
  collapsed: new Set(),
  selected: new Set(),
  criticalPath: true,
  info: null,
  stats: null,
};

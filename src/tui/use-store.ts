/** Reads the engine's StatsStore from React: re-renders at most at the store's notify rate (≤ 10 Hz). */
import {useSyncExternalStore} from 'react';
import type {StatsSnapshot, StatsStore} from '../engine/stats.js';

export function useStore(store: StatsStore): StatsSnapshot {
	return useSyncExternalStore(store.subscribe, store.getSnapshot);
}

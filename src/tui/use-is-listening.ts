/**
 * Whether the keys of the calling component — and of every component before it in the tree — are being
 * listened to, so key hints can be shown only when keys work.
 *
 * Why: ink's `useInput` subscribes to stdin in an effect, which React runs after the frame that shows the
 * component was drawn. A key that arrives in between (a fast typist, a paste, `tmux send-keys`, a test) is
 * dropped. React runs one commit's effects in tree order — a component's own in the order they are declared,
 * children before their parent, siblings in order — so this effect, declared after the component's
 * `useInput` (or in the parent of the list that listens), runs after the subscription exists.
 *
 * `key`: listening is re-proved whenever it changes (a list that is remounted, a mode that mounts other inputs);
 * pass `undefined` while nothing is mounted that listens. @default a fixed key: proved once, on mount.
 */
import {useEffect, useState} from 'react';

export function useIsListening(key: unknown = true): boolean {
	const [proved, setProved] = useState<{key: unknown} | undefined>();
	useEffect(() => {
		if (key !== undefined) setProved({key});
	}, [key]);
	return key !== undefined && proved?.key === key;
}

/** A clock for countdowns and elapsed time: re-renders once a second while mounted. */
import {useEffect, useState} from 'react';

export function useNow(intervalMs = 1000, now: () => number = Date.now): number {
	const [time, setTime] = useState(now);
	useEffect(() => {
		const timer = setInterval(() => setTime(now()), intervalMs);
		return () => clearInterval(timer);
	}, [intervalMs, now]);
	return time;
}

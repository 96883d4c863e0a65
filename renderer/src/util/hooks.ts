import { useCallback, useEffect, useRef, useState } from 'react';
import { AdminApiError } from '../api/errors.js';

/** The current time, re-read every `intervalMs` (ages and countdowns tick with it). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export interface Action<A extends unknown[]> {
  run: (...args: A) => Promise<boolean>;
  busy: boolean;
  error: AdminApiError | undefined;
  clear: () => void;
}

/** Runs one async operation at a time with its busy flag and its error; `run` resolves to success. */
export function useAction<A extends unknown[]>(operation: (...args: A) => Promise<unknown>): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AdminApiError>();
  const mounted = useRef(true);
  const latest = useRef(operation);
  latest.current = operation;
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      await latest.current(...args);
      return true;
    } catch (caught) {
      if (mounted.current) setError(AdminApiError.from(caught));
      return false;
    } finally {
      if (mounted.current) setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setError(undefined), []);
  return { run, busy, error, clear };
}

import {
  useCallback,
  useEffect,
  useRef,
  useState,
  type DependencyList,
  type Dispatch,
  type SetStateAction,
} from 'react';
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

export interface Fetched<T> {
  /** The latest answer; undefined until the first one. */
  value: T | undefined;
  /** Why the latest read failed; cleared by the next answer. */
  error: AdminApiError | undefined;
  /** Shows what an action returned (or a local edit) without reading again. */
  set: Dispatch<SetStateAction<T | undefined>>;
}

/**
 * Reads one value from the core whenever `deps` change, `delayMs` after the last change (so typing in a
 * filter makes one request), and drops an answer that arrives after a newer read began or the component
 * left, so a slow old answer never replaces a newer one.
 */
export function useFetched<T>(read: () => Promise<T>, deps: DependencyList, delayMs = 0): Fetched<T> {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<AdminApiError>();
  const latest = useRef(read);
  latest.current = read;
  useEffect(() => {
    let live = true;
    const start = () =>
      latest.current().then(
        (found) => {
          if (!live) return;
          setValue(found);
          setError(undefined);
        },
        (caught: unknown) => live && setError(AdminApiError.from(caught)),
      );
    const timer = delayMs > 0 ? setTimeout(() => void start(), delayMs) : (void start(), undefined);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // The caller names what the read depends on, as for useEffect.
  }, deps);
  return { value, error, set: setValue };
}

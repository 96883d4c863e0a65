import { createContext, useContext, useSyncExternalStore } from 'react';
import type { AdminClient } from '../api/client.js';
import type { FerryState, FerryStore } from './store.js';

export const StoreContext = createContext<FerryStore | undefined>(undefined);

export function useStore(): FerryStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore outside <StoreContext.Provider>');
  return store;
}

export function useFerry(): FerryState {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, store.getState);
}

export function useClient(): AdminClient {
  return useStore().client;
}

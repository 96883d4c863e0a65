import { useEffect, useRef, useState } from 'react';
import type { FerryState } from '../state/store.js';

/** Whether the browser can show notifications here, and what the user said. */
export function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks once, from a click (browsers ignore the request otherwise); resolves to the answer. */
export function useNotificationPermission(): [NotificationPermission | 'unsupported', () => void] {
  const [permission, setPermission] = useState(notificationPermission);
  const ask = () => {
    if (typeof Notification === 'undefined') return;
    void Notification.requestPermission().then(setPermission);
  };
  return [permission, ask];
}

/**
 * Announces each new connection request with a system notification (when the user allowed them), so a
 * request is noticed while the window is in a background tab. Requests already waiting when the window
 * opened are not announced again.
 */
export function useConsentNotifications(state: FerryState): void {
  const seen = useRef<Set<string> | undefined>(undefined);
  useEffect(() => {
    if (state.consents.state !== 'ready') return;
    const ids = state.consents.value.map((c) => c.id);
    if (seen.current === undefined) {
      seen.current = new Set(ids);
      return;
    }
    for (const consent of state.consents.value) {
      if (seen.current.has(consent.id)) continue;
      seen.current.add(consent.id);
      if (notificationPermission() !== 'granted') continue;
      const note = new Notification('Ferry: a connection is waiting for you', {
        body: `${consent.clientName} wants to connect. Match code ${consent.matchCode}.`,
        tag: `ferry-consent-${consent.id}`,
      });
      note.onclick = () => {
        window.focus();
        window.location.hash = '#/consents';
      };
    }
  }, [state.consents]);
}

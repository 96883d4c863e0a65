import { useState } from 'react';
import { useStore } from '../state/context.js';
import { copyAndSay } from '../util/clipboard.js';

export function CopyButton({ text, label = 'Copy', what }: { text: string; label?: string; what: string }) {
  const store = useStore();
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      onClick={() =>
        void copyAndSay(text, `Copied ${what}`, (said) => store.announce(said)).then((copied) => {
          if (!copied) return;
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        })
      }
    >
      {done ? 'Copied' : label}
    </button>
  );
}

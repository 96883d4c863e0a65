import { useState } from 'react';
import { useStore } from '../state/context.js';
import { copyText } from '../util/clipboard.js';

export function CopyButton({ text, label = 'Copy', what }: { text: string; label?: string; what: string }) {
  const store = useStore();
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        copyText(text).then(
          () => {
            setDone(true);
            store.announce(`Copied ${what}`);
            setTimeout(() => setDone(false), 1500);
          },
          (error: unknown) => store.announce(`Could not copy: ${(error as Error).message}`),
        );
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

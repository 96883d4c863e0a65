import type { ReactNode } from 'react';
import { useStore } from '../state/context.js';
import { ago, inTime } from '../util/format.js';
import { useAction } from '../util/hooks.js';
import { ErrorNote } from './States.js';

/**
 * One answer to a waiting request: its button's words and look (the main one, or the refusal), what it
 * sends to the core, and what is announced once the core took it.
 */
export interface Choice {
  label: string;
  tone?: 'primary' | 'danger';
  send: () => Promise<unknown>;
  said: string;
}

/**
 * A request that waits for the user (a connection, a tool call): who asks for what, the facts to judge it
 * by, when it was asked and when it lapses, and one button per answer. One answer runs at a time; once the
 * core took it the card leaves the list at once (the event confirming it may come later); its error stays
 * on the card.
 */
export function DecisionCard({
  id,
  heading,
  aside,
  facts,
  asked,
  choices,
  onDecided,
  hint,
}: {
  /** Unique on the page: the card is labelled by `<id>-title`. */
  id: string;
  heading: ReactNode;
  /** Shown beside the heading (a consent's match code). */
  aside?: ReactNode;
  /** `<dt>`/`<dd>` pairs; "Asked" is added last. */
  facts: ReactNode;
  /** When it was asked, when it lapses and what happens then ("expires", "refused unanswered"), and now. */
  asked: { at: number; until: number; lapse: string; now: number };
  choices: readonly Choice[];
  /** Takes the request off the list it was shown in. */
  onDecided: () => void;
  /** What the lasting answer ("remember", "always") means. */
  hint: ReactNode;
}) {
  const store = useStore();
  const action = useAction(async (choice: Choice) => {
    await choice.send();
    onDecided();
    store.announce(choice.said);
  });
  const titleId = `${id}-title`;
  return (
    <article className="card consent" aria-labelledby={titleId}>
      <header className="consent-head">
        <h2 id={titleId}>{heading}</h2>
        {aside}
      </header>
      <dl className="facts">
        {facts}
        <dt>Asked</dt>
        <dd>
          {ago(asked.at, asked.now)}{' '}
          <span className="muted">
            ({asked.lapse} {inTime(asked.until, asked.now)})
          </span>
        </dd>
      </dl>
      <p className="actions">
        {choices.map((choice) => (
          <button
            key={choice.label}
            type="button"
            className={choice.tone}
            disabled={action.busy}
            onClick={() => void action.run(choice)}
          >
            {choice.label}
          </button>
        ))}
      </p>
      <p className="field-hint">{hint}</p>
      {action.error && <ErrorNote error={action.error} onDismiss={action.clear} />}
    </article>
  );
}

/** The waiting requests of one kind as a list of cards, oldest first, or what to expect while there are none. */
export function WaitingList<T extends { id: string }>({
  label,
  items,
  empty,
  children,
}: {
  label: string;
  items: readonly T[];
  empty: ReactNode;
  children: (item: T) => ReactNode;
}) {
  if (items.length === 0) return <>{empty}</>;
  return (
    <ul className="cards" aria-label={label}>
      {items.map((item) => (
        <li key={item.id}>{children(item)}</li>
      ))}
    </ul>
  );
}

import type { ReactNode } from 'react';
import { ago, inTime } from '../util/format.js';
import { useAction } from '../util/hooks.js';
import { ErrorNote } from './States.js';

/** One answer to a waiting request: its button's words, and its look (the main one, or the refusal). */
export interface Choice<D extends string> {
  decision: D;
  label: string;
  tone?: 'primary' | 'danger';
}

/**
 * A request that waits for the user (a connection, a tool call): who asks for what, the facts to judge it
 * by, when it was asked and when it lapses, and one button per answer. The answer runs once at a time; its
 * error stays on the card.
 */
export function DecisionCard<D extends string>({
  id,
  heading,
  aside,
  facts,
  asked,
  choices,
  decide,
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
  choices: readonly Choice<D>[];
  decide: (decision: D) => Promise<void>;
  /** What the lasting answer ("remember", "always") means. */
  hint: ReactNode;
}) {
  const action = useAction(decide);
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
            key={choice.decision}
            type="button"
            className={choice.tone}
            disabled={action.busy}
            onClick={() => void action.run(choice.decision)}
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

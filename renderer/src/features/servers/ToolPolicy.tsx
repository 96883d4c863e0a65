import type { HiddenInstructionFlag, PolicySource, ToolPolicy, ToolView } from '../../api/types.js';
import { Badge, type Tone } from '../../components/Badge.js';
import { ErrorNote, Loading } from '../../components/States.js';
import { useStore } from '../../state/context.js';
import { DISPLAY_LIMITS, displayText } from '../../util/displayText.js';
import { useAction, useFetched } from '../../util/hooks.js';
import { definitionLines, diffLines, sideBySide } from '../../util/lineDiff.js';

const POLICIES: readonly ToolPolicy[] = ['allow', 'ask', 'deny'];

const POLICY_WORDS: Record<ToolPolicy, string> = {
  allow: 'Allow',
  ask: 'Ask me',
  deny: 'Deny',
};

const SOURCE_WORDS: Record<PolicySource, string> = {
  tool: 'set for this tool',
  server: 'server default',
  global: 'Ferry default',
  annotations: 'from its annotations',
};

/** Why a definition was flagged, in the user's words (the markers of hiddenInstructions.ts). */
export const FLAG_WORDS: Record<HiddenInstructionFlag, string> = {
  'invisible-unicode': 'invisible characters in its text',
  'ignore-instructions': 'tells the model to ignore its instructions',
  'instruction-tag': 'an <IMPORTANT>-style tag aimed at the model',
  'conceal-from-user': 'tells the model to keep something from you',
};

const PIN_TONES: Record<ToolView['pin'], Tone> = { pinned: 'good', changed: 'bad', new: 'bad' };
const PIN_LABELS: Record<ToolView['pin'], string> = {
  pinned: 'Definition pinned: the same as when first seen or last accepted',
  changed: 'Definition changed since it was pinned: held until you accept it',
  new: 'New, with hidden-instruction markers: held until you accept it',
};

/**
 * A choice of allow, ask or deny; with `none`, also the empty choice that removes the setting (null), named
 * by what then applies.
 */
function PolicySelect({
  id,
  label,
  ariaLabel,
  value,
  none,
  disabled,
  onChange,
}: {
  id: string;
  label: string;
  /** A longer name than the visible label, where several of these stand together. */
  ariaLabel?: string;
  value: ToolPolicy | null;
  none?: string;
  disabled: boolean;
  onChange: (policy: ToolPolicy | null) => void;
}) {
  return (
    <div className="field inline">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        aria-label={ariaLabel}
        value={value ?? ''}
        disabled={disabled}
        // The options are the three policies and, with `none`, the empty value.
        onChange={(e) => onChange(e.target.value === '' ? null : (e.target.value as ToolPolicy))}
      >
        {none !== undefined && <option value="">{none}</option>}
        {POLICIES.map((p) => (
          <option key={p} value={p}>
            {POLICY_WORDS[p]}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The server-wide default for tools without a policy of their own (`defaultToolPolicy`). */
export function ServerPolicyControl({ server, revision }: { server: string; revision: number }) {
  const store = useStore();
  const {
    value,
    error,
    set: setValue,
  } = useFetched(() => store.client.serverToolPolicy(server), [store, server, revision]);
  const save = useAction(async (policy: ToolPolicy | null) => {
    setValue(await store.client.setServerToolPolicy(server, policy));
    store.announce(
      policy === null
        ? `Tools of ${server} without their own policy follow the Ferry default again`
        : `Tools of ${server} without their own policy: ${POLICY_WORDS[policy]}`,
    );
  });
  if (error) return <ErrorNote title="Could not read this server's tool policy." error={error} />;
  if (!value) return null;
  const id = `default-policy-${server}`;
  const fallback = value.fallback === 'annotations' ? 'by annotations' : POLICY_WORDS[value.fallback];
  return (
    <div className="policy-default">
      <PolicySelect
        id={id}
        label="Default for its tools"
        value={value.defaultToolPolicy ?? null}
        none={`Ferry default (${fallback})`}
        disabled={save.busy}
        onChange={(policy) => void save.run(policy)}
      />
      <p className="muted small">
        {value.fallback === 'annotations' && 'By annotations: read-only tools are allowed, others ask. '}A
        tool's own policy below wins over this default.
      </p>
      {save.error && (
        <ErrorNote title="The default was not changed." error={save.error} onDismiss={save.clear} />
      )}
    </div>
  );
}

/**
 * A tool's policy (with where it comes from) and the control that changes it, its pin state, the reasons
 * it was flagged, and for a held tool the side-by-side review with Accept.
 */
export function ToolPolicyControls({
  view,
  onChanged,
}: {
  view: ToolView;
  onChanged: (next: Partial<ToolView>) => void;
}) {
  const store = useStore();
  const id = `policy-${view.server}-${view.name}`;
  const save = useAction(async (policy: ToolPolicy | null) => {
    const result = await store.client.setToolPolicy(view.server, view.name, policy);
    onChanged({ policy: result.policy, policySource: result.policySource });
    store.announce(`${view.name}: ${POLICY_WORDS[result.policy]} (${SOURCE_WORDS[result.policySource]})`);
  });
  return (
    <div className="tool-policy">
      <PolicySelect
        id={id}
        label="Policy"
        ariaLabel={`Policy for ${view.name}`}
        value={view.policy}
        disabled={save.busy}
        onChange={(policy) => void save.run(policy)}
      />
      <span className="muted small policy-source" data-source={view.policySource}>
        {SOURCE_WORDS[view.policySource]}
      </span>
      {view.policySource === 'tool' && (
        <button type="button" className="quiet" disabled={save.busy} onClick={() => void save.run(null)}>
          Use default
        </button>
      )}
      <Badge tone={PIN_TONES[view.pin]} label={PIN_LABELS[view.pin]}>
        {view.pin}
      </Badge>
      {save.error && (
        <ErrorNote title="The policy was not changed." error={save.error} onDismiss={save.clear} />
      )}
    </div>
  );
}

/** The reasons a definition was flagged, each in words. */
export function FlagList({ flags }: { flags: HiddenInstructionFlag[] }) {
  if (flags.length === 0) return null;
  return (
    <p className="note note-error tool-flags" role="note">
      Possible hidden instructions: {flags.map((f) => FLAG_WORDS[f]).join('; ')}.
    </p>
  );
}

/**
 * The pinned definition and the one presented now, side by side with changed lines marked, and Accept.
 * Read from `GET /api/tools/<server>/<tool>`, which always carries both.
 */
export function DefinitionReview({
  server,
  tool,
  revision,
  onAccepted,
}: {
  server: string;
  tool: string;
  /** The store's tools revision: another change of the definition is reviewed afresh. */
  revision: number;
  onAccepted: (view: ToolView) => void;
}) {
  const store = useStore();
  const { value: view, error } = useFetched(
    () => store.client.tool(server, tool),
    [store, server, tool, revision],
  );
  const accept = useAction(async () => {
    const accepted = await store.client.acceptTool(server, tool);
    store.announce(`Accepted the new definition of ${tool}: it is listed and callable again`);
    onAccepted(accepted);
  });
  if (error) return <ErrorNote title="Could not load the definitions to compare." error={error} />;
  if (!view) return <Loading what="the definitions" />;
  const pinned = view.review?.pinned ?? null;
  const current = view.review?.current ?? null;
  const rows = sideBySide(diffLines(definitionLines(pinned), definitionLines(current)));
  const changed = rows.filter((r) => r.kind === 'changed').length;
  return (
    <section className="review" aria-label={`Review the definition of ${tool}`}>
      <p>
        {view.pin === 'new'
          ? 'Ferry has not pinned this tool: it was flagged the first time it was seen. Read it before you accept it.'
          : pinned === null
            ? 'Its definition changed, but the pinned one was too large to keep for comparison.'
            : `Its definition changed since it was pinned: ${changed} line${changed === 1 ? '' : 's'} differ.`}{' '}
        Until you accept it, clients do not see it and its calls are refused.
      </p>
      <div className="diff" role="table" aria-label="Pinned and presented definitions">
        <div className="diff-row diff-head" role="row">
          <span className="diff-old" role="columnheader">
            Pinned (approved)
          </span>
          <span className="diff-new" role="columnheader">
            Presented now
          </span>
        </div>
        {rows.map((row, i) => (
          <div key={i} className={`diff-row diff-${row.kind}`} role="row" data-kind={row.kind}>
            <DiffCell side="old" line={row.left} changed={row.kind === 'changed'} />
            <DiffCell side="new" line={row.right} changed={row.kind === 'changed'} />
          </div>
        ))}
      </div>
      <p className="actions">
        <button type="button" className="primary" disabled={accept.busy} onClick={() => void accept.run()}>
          {accept.busy ? 'Accepting…' : 'Accept this definition'}
        </button>
        <span className="muted small">Pins what is presented now; a later change is held again.</span>
      </p>
      {accept.error && (
        <ErrorNote title="The definition was not accepted." error={accept.error} onDismiss={accept.clear} />
      )}
    </section>
  );
}

const SIDES = {
  old: { marked: 'diff-removed', aloud: 'removed: ' },
  new: { marked: 'diff-added', aloud: 'added: ' },
} as const;

/** One side of a diff row: a changed line is marked, and said as removed or added to a screen reader. */
function DiffCell({
  side,
  line,
  changed,
}: {
  side: 'old' | 'new';
  line: string | undefined;
  changed: boolean;
}) {
  const marked = changed && line !== undefined;
  return (
    <span className={`diff-${side} mono${marked ? ` ${SIDES[side].marked}` : ''}`} role="cell">
      {marked && <span className="offscreen">{SIDES[side].aloud}</span>}
      {line === undefined ? '' : displayText(line, DISPLAY_LIMITS.line)}
    </span>
  );
}

import { useState, type FormEvent } from 'react';
import { bindText, TextField } from '../../components/Field.js';
import { ErrorNote } from '../../components/States.js';
import { useStore } from '../../state/context.js';
import { useAction } from '../../util/hooks.js';
import { secretStoreWords } from '../../util/links.js';

/** Saves a Cloudflare named tunnel (token to the secret store, hostname to the config), then offers to start it. */
export function NamedTunnelForm({
  disabled,
  onStart,
  secretStore,
}: {
  disabled: boolean;
  onStart: () => void;
  /** The store actually in use (status.secretStore), named in the form. */
  secretStore: string;
}) {
  const store = useStore();
  const [values, setValues] = useState({ token: '', hostname: '' });
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    await store.client.configureNamedTunnel(values.token, values.hostname);
    setSaved(true);
    setValues((v) => ({ ...v, token: '' }));
    store.announce('Named tunnel saved');
  });
  const issues = save.error?.issues ?? [];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  return (
    <form className="subform" onSubmit={submit} noValidate aria-label="Named tunnel">
      <p className="muted">
        A named tunnel keeps one URL for good. Create it in the Cloudflare dashboard (Networks › Tunnels),
        route a hostname to it, and paste its token here; the token goes to{' '}
        <span data-testid="named-secret-store">{secretStoreWords(secretStore)}</span>.
      </p>
      <TextField
        id="named-token"
        label="Tunnel token"
        type="password"
        {...bindText(values, setValues, 'token', issues)}
      />
      <TextField
        id="named-hostname"
        label="Public hostname"
        placeholder="mcp.example.com"
        {...bindText(values, setValues, 'hostname', issues)}
      />
      {save.error && issues.length === 0 && <ErrorNote error={save.error} onDismiss={save.clear} />}
      <p className="actions">
        <button type="submit" disabled={disabled || save.busy}>
          Save named tunnel
        </button>
        {saved && (
          <button type="button" className="primary" disabled={disabled} onClick={onStart}>
            Start named tunnel
          </button>
        )}
      </p>
    </form>
  );
}

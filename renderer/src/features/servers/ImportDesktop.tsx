import { useEffect, useState } from 'react';
import type { ImportReport } from '../../api/types.js';
import { ErrorNote, Loading } from '../../components/States.js';
import { useStore } from '../../state/context.js';
import { plural, sentence } from '../../util/format.js';
import { useAction } from '../../util/hooks.js';
import { secretStoreWords } from '../../util/links.js';

/**
 * Claude Desktop's own servers, read from its config on this computer by Ferry: first what would be imported
 * (nothing written yet), then, once the user confirms, the import itself, secrets to the secret store.
 */
export function ImportDesktop({
  secretStore,
  onClose,
}: {
  /** The store actually in use (status.secretStore), named where secrets will go. */
  secretStore: string;
  onClose: (imported?: string) => void;
}) {
  const store = useStore();
  const [preview, setPreview] = useState<ImportReport>();
  const load = useAction(async () => {
    setPreview(await store.client.importServers({ fromClaudeDesktop: true, preview: true }));
  });
  const confirm = useAction(async () => {
    const report = await store.client.importServers({ fromClaudeDesktop: true });
    void store.reload('status');
    store.announce(
      report.imported.length > 0
        ? `Imported ${report.imported.map((s) => s.name).join(', ')} from Claude Desktop`
        : 'Nothing was imported from Claude Desktop',
    );
    onClose(report.imported[0]?.name);
  });
  useEffect(() => {
    void load.run();
  }, []);

  return (
    <section className="card import-desktop" aria-labelledby="import-desktop-title">
      <h2 id="import-desktop-title">Import from Claude Desktop</h2>
      {load.busy ? (
        <Loading what="Claude Desktop’s config" />
      ) : load.error ? (
        <ErrorNote title="Could not read Claude Desktop’s config." error={load.error} />
      ) : preview ? (
        <>
          <p className="muted">
            From <span className="mono break">{preview.source}</span>. Nothing is saved until you confirm.
          </p>
          {preview.imported.length > 0 ? (
            <>
              <h3>{plural(preview.imported.length, 'server')} to add</h3>
              <ul className="import-list" aria-label="Servers to add">
                {preview.imported.map((server) => (
                  <li key={server.name}>
                    <strong>{server.name}</strong>
                    {server.command && (
                      <>
                        {' '}
                        runs <code className="break">{server.command}</code>
                      </>
                    )}
                    {server.movedSecrets.length > 0 && (
                      <span className="muted"> · {server.movedSecrets.join(', ')} to the secret store</span>
                    )}
                  </li>
                ))}
              </ul>
              <p className="field-hint">
                Values that look like secrets (API keys, tokens) go to {secretStoreWords(secretStore)};
                Ferry’s config keeps only a reference to them.
              </p>
            </>
          ) : (
            <p>There is nothing Ferry can add from it.</p>
          )}
          {preview.skipped.length > 0 && (
            <>
              <h3>Not imported</h3>
              <ul className="import-list" aria-label="Not imported">
                {preview.skipped.map((server) => (
                  <li key={server.name}>
                    <strong>{server.name}</strong>: {sentence(server.reason)}.
                  </li>
                ))}
              </ul>
            </>
          )}
          {confirm.error && <ErrorNote title="Nothing was imported." error={confirm.error} />}
        </>
      ) : null}
      <p className="actions">
        {preview && preview.imported.length > 0 && (
          <button
            type="button"
            className="primary"
            disabled={confirm.busy}
            onClick={() => void confirm.run()}
          >
            {confirm.busy ? 'Importing…' : `Import ${plural(preview.imported.length, 'server')}`}
          </button>
        )}
        <button type="button" disabled={confirm.busy} onClick={() => onClose()}>
          {preview && preview.imported.length > 0 ? 'Cancel' : 'Close'}
        </button>
      </p>
    </section>
  );
}

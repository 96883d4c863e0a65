import type Provider from 'oidc-provider';
import type { EventBus } from '../events/bus.js';

/** Mirrors the provider's own events onto Ferry's bus, so the CLI, window and doctor can show them. */
export function mirrorProviderEvents(provider: Provider, bus: EventBus): void {
  provider.on('registration_create.success', (_ctx, client) => {
    bus.emit({
      type: 'auth',
      kind: 'client.registered',
      clientId: client.clientId,
      detail: `registered "${client.clientName ?? client.clientId}"`,
    });
  });
  provider.on('grant.success', (ctx) => {
    const kind = ctx.oidc.params?.grant_type === 'refresh_token' ? 'token.refreshed' : 'token.issued';
    bus.emit({
      type: 'auth',
      kind,
      clientId: ctx.oidc.client?.clientId,
      detail: `${kind === 'token.issued' ? 'tokens issued' : 'tokens refreshed'}`,
    });
  });
  provider.on('grant.error', (ctx, error) => {
    bus.emit({
      type: 'auth',
      kind: 'request.rejected',
      clientId: ctx.oidc.client?.clientId,
      detail: `token request failed: ${error.message}${'error_description' in error && error.error_description ? ` (${String(error.error_description)})` : ''}`,
    });
  });
  provider.on('grant.revoked', (_ctx, grantId) => {
    bus.emit({ type: 'auth', kind: 'grant.revoked', detail: `grant ${grantId} revoked` });
  });
  provider.on('authorization.error', (ctx, error) => {
    bus.emit({
      type: 'auth',
      kind: 'request.rejected',
      clientId: ctx.oidc?.client?.clientId,
      detail: `authorization failed: ${error.message}${'error_description' in error && error.error_description ? ` (${String(error.error_description)})` : ''}`,
    });
  });
  provider.on('registration_create.error', (_ctx, error) => {
    bus.emit({ type: 'auth', kind: 'request.rejected', detail: `registration failed: ${error.message}` });
  });
}

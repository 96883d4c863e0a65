import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import type { PendingApproval, PendingConsent } from '#core';
import { ApprovalNotifier, type ApprovalActions } from '../../src/main/approval/notifier.js';
import { ConsentNotifier, type ConsentActions } from '../../src/main/consent/notifier.js';
import type { DecisionNotifier } from '../../src/main/notify/decisionNotifier.js';
import { FakeElectron, type FakeNotification } from '../fakeElectron.js';

/**
 * The harness of the notifier tests: a fake Electron with its own userData directory and an empty log of
 * the actions the notifications took, fresh for every test, plus a waiting consent and a waiting tool call.
 */
export interface NotifierHarness {
  readonly fake: FakeElectron;
  /** What the notifications decided, in order ("approve c-1", "open consents"). */
  readonly calls: string[];
}

/** Registers the per-test set-up and clean-up; read the harness inside tests only. */
export function useNotifierHarness(): NotifierHarness {
  const state: { fake?: FakeElectron; calls: string[]; userData?: string } = { calls: [] };
  beforeEach(async () => {
    state.userData = await mkdtemp(path.join(os.tmpdir(), 'ferry-notifier-'));
    state.fake = new FakeElectron({ userData: state.userData });
    state.calls = [];
  });
  afterEach(() => rm(state.userData as string, { recursive: true, force: true }));
  return {
    get fake() {
      return state.fake as FakeElectron;
    },
    get calls() {
      return state.calls;
    },
  };
}

export function approvalActions(h: NotifierHarness): ApprovalActions {
  return {
    allow: (id, remember) => void h.calls.push(`allow ${id} ${remember}`),
    deny: (id) => void h.calls.push(`deny ${id}`),
    openApprovals: () => void h.calls.push('open approvals'),
  };
}

export function consentActions(h: NotifierHarness): ConsentActions {
  return {
    approve: (id) => void h.calls.push(`approve ${id}`),
    deny: (id) => void h.calls.push(`deny ${id}`),
    openConsents: () => void h.calls.push('open consents'),
  };
}

export function pendingApproval(id: string, overrides: Partial<PendingApproval> = {}): PendingApproval {
  return {
    id,
    clientId: `client-${id}`,
    clientName: 'claudeai',
    server: 'notes',
    tool: 'write_note',
    exposedName: 'notes__write_note',
    argsPreview: '{"text":"hello","token":"[redacted]"}',
    createdAt: 1_000,
    expiresAt: 121_000,
    ...overrides,
  };
}

export function pendingConsent(id: string, overrides: Partial<PendingConsent> = {}): PendingConsent {
  return {
    id,
    clientId: `client-${id}`,
    clientName: 'Claude',
    redirectUri: 'https://claude.ai/api/mcp/auth_callback',
    redirectHost: 'claude.ai',
    scopes: ['claudeai'],
    resource: 'https://quiet-river.trycloudflare.com/mcp',
    matchCode: 'K7Q-4MX',
    createdAt: 1_000,
    expiresAt: 601_000,
    ...overrides,
  };
}

/** The one notification shown so far. */
export function only(notifications: FakeNotification[]): FakeNotification {
  expect(notifications).toHaveLength(1);
  const [notification] = notifications;
  if (!notification) throw new Error('no notification');
  return notification;
}

/** One kind of notifier, for the behaviour every decision notifier shares. */
export interface NotifierCase {
  kind: string;
  /** What a click (and a missing notification centre) records: the screen that decides. */
  review: string;
  /** The notifier, its actions logged in the harness, and how to make it show the waiting item `id`. */
  make: (
    h: NotifierHarness,
    platform: NodeJS.Platform,
  ) => { notifier: DecisionNotifier; request: (id: string) => void };
  /** What each button, in order, records for the item `id`. */
  pressed: (id: string) => string[];
}

export const NOTIFIER_CASES: readonly NotifierCase[] = [
  {
    kind: 'ApprovalNotifier',
    review: 'open approvals',
    make: (h, platform) => {
      const notifier = new ApprovalNotifier(h.fake, platform, approvalActions(h));
      return { notifier, request: (id) => notifier.requested(pendingApproval(id)) };
    },
    pressed: (id) => [`allow ${id} once`, `allow ${id} always`, `deny ${id}`],
  },
  {
    kind: 'ConsentNotifier',
    review: 'open consents',
    make: (h, platform) => {
      const notifier = new ConsentNotifier(h.fake, platform, consentActions(h));
      return { notifier, request: (id) => notifier.requested(pendingConsent(id)) };
    },
    pressed: (id) => [`approve ${id}`, `deny ${id}`],
  },
];

import { describe, expect, it } from 'vitest';
import {
  looksSecretName,
  looksSecretValue,
  shannonEntropy,
  shouldMoveSecret,
} from '../../src/secrets/detect.js';

describe('secret detection', () => {
  it.each([
    'GITHUB_PERSONAL_ACCESS_TOKEN',
    'OPENAI_API_KEY',
    'apiKey',
    'CLIENT_SECRET',
    'DB_PASSWORD',
    'SMTP_PASS',
    'DB_PWD',
    'AUTH_HEADER',
    'GOOGLE_CREDENTIALS',
    'PRIVATE_KEY_PEM',
    'SESSION_COOKIE',
    'slack_bot_token',
  ])('treats the name %s as secret', (name) => {
    expect(looksSecretName(name)).toBe(true);
  });

  it.each(['PATH', 'LOG_LEVEL', 'ALLOWED_DIRECTORIES', 'PWD', 'OLDPWD', 'NODE_ENV', 'HOME'])(
    'treats the name %s as ordinary',
    (name) => {
      expect(looksSecretName(name)).toBe(false);
    },
  );

  it.each([
    'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx',
    'sk-proj-abcdefghijklmnop1234',
    'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
    'github_pat_11ABCDEFG0123456789_abcdefghijkl',
    'xoxb-123456789012-1234567890123-AbCdEfGhIjKl',
    'AKIAIOSFODNN7EXAMPLE',
    'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    'postgres://app:hunter22@db.internal:5432/app',
    'Bearer abcdefghijklmnop',
    '-----BEGIN RSA PRIVATE KEY-----\nMIIE...',
    'q8Zt3nV7xK2mP9wR4yB6cL1dF5hJ0sAe',
    '3f9a6c1e-8b2d-4e7f-9a0c-5d1b8e2f4a6c',
  ])('treats the value %s as a credential', (value) => {
    expect(looksSecretValue(value)).toBe(true);
  });

  it.each([
    '/Users/me/Library/Application Support/Claude',
    '/usr/local/lib/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
    'https://api.example.com/v1',
    'my-project-production-east',
    'debug',
    'sk-short',
    'C:\\Users\\me\\AppData\\Roaming\\npm\\node_modules',
    '8790',
  ])('treats the value %s as ordinary', (value) => {
    expect(looksSecretValue(value)).toBe(false);
  });

  it('moves by name or value, but never empty values or flags', () => {
    expect(shouldMoveSecret('API_KEY', 'abc')).toBe(true);
    expect(shouldMoveSecret('UPSTREAM', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx')).toBe(true);
    expect(shouldMoveSecret('LOG_LEVEL', 'debug')).toBe(false);
    expect(shouldMoveSecret('API_KEY', '')).toBe(false);
    expect(shouldMoveSecret('AUTH_ENABLED', 'true')).toBe(false);
  });

  it('measures entropy in bits per character', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});

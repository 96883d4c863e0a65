import { describe, expect, it } from 'vitest';
import { exposedName, NameIndex, TOOL_NAME_PATTERN } from '../../src/hub/naming.js';

describe('exposedName', () => {
  it('keeps <server>__<name> when it is already valid', () => {
    expect(exposedName('github', 'create_issue')).toBe('github__create_issue');
    expect(exposedName('a-b', 'x-y_z9')).toBe('a-b__x-y_z9');
  });

  it('sanitizes invalid characters and adds a hash so the result stays unique', () => {
    const dotted = exposedName('fs', 'read.file');
    expect(dotted).toMatch(/^fs__read_file_[0-9a-f]{6}$/);
    expect(dotted).not.toBe(exposedName('fs', 'read_file'));
    expect(dotted).not.toBe(exposedName('fs', 'read/file'));
  });

  it('shortens long names deterministically to at most 64 valid characters', () => {
    const long = 'a'.repeat(100);
    const first = exposedName('server', long);
    expect(first).toHaveLength(64);
    expect(first).toMatch(TOOL_NAME_PATTERN);
    expect(exposedName('server', long)).toBe(first);
    expect(exposedName('server', `${long}b`)).not.toBe(first);
    expect(first.startsWith('server__aaaa')).toBe(true);
  });

  it('always produces names Claude accepts', () => {
    for (const name of ['ünïcode', 'with space', 'x'.repeat(200), '😀', 'a:b', '']) {
      expect(exposedName('srv', name)).toMatch(TOOL_NAME_PATTERN);
    }
  });
});

describe('NameIndex', () => {
  it('maps exposed names back to server and original name, first server winning a collision', () => {
    const index = new NameIndex<number>();
    expect(index.add('a', 'b__c', 1)).toBe('a__b__c');
    expect(index.add('a__b', 'c', 2)).toBeUndefined();
    expect(index.collisions).toEqual(['a__b/c -> a__b__c']);
    expect(index.get('a__b__c')).toEqual({ server: 'a', original: 'b__c', item: 1 });
    expect(index.get('nope')).toBeUndefined();
  });
});

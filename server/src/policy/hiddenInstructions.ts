import { TOOL_POLICY_LIMITS } from './limits.js';
import type { HiddenInstructionFlag, PinnedDefinition } from './types.js';

/**
 * Characters a person cannot see but a model reads: format characters (zero-width space and joiners, bidi
 * controls, the U+E0000 tag block that can spell out a whole hidden sentence), line/paragraph separators,
 * and control characters other than tab, CR and LF.
 */
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}]|[^\P{Cc}\t\n\r]/u;
/** "Ignore (all) (the) previous instructions" and its usual variants. */
const IGNORE =
  /\b(ignore|disregard|forget|override)\s+(all\s+|any\s+)?(of\s+)?(the\s+|your\s+)?(previous|prior|above|earlier|preceding|other|system)\s+(instructions?|prompts?|directions?|rules|messages?)/i;
/** Pseudo-markup that poisoned descriptions use to look authoritative: `<IMPORTANT>`, `<system>`, … */
const TAG =
  /<\s*\/?\s*(important|system|instructions?|secret|hidden|admin|assistant|prompt|critical|note_to_ai|ai)\b[^>]{0,200}>/i;
/** Telling the model to keep something from the person using it. */
const CONCEAL =
  /\b(do\s+not|don'?t|never)\s+(tell|mention|inform|reveal|show|alert|notify)\b[^.\n]{0,60}\b(user|human|person)\b/i;

/**
 * Markers of instructions hidden in a tool's definition, looked for in every string of it (description,
 * title, annotations, and the descriptions inside its schemas, where poisoned text likes to hide). A flag
 * is a reason to look, not proof: a legitimate description can say "<important>" too. The scan is bounded
 * to `scanChars` characters.
 */
export function hiddenInstructionFlags(definition: PinnedDefinition): HiddenInstructionFlag[] {
  const texts: string[] = [];
  let budget = TOOL_POLICY_LIMITS.scanChars;
  const walk = (node: unknown, depth: number): void => {
    if (budget <= 0 || depth > 32) return;
    if (typeof node === 'string') {
      const text = node.length > budget ? node.slice(0, budget) : node;
      budget -= text.length;
      texts.push(text);
    } else if (Array.isArray(node)) {
      for (const item of node) walk(item, depth + 1);
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        walk(key, depth + 1);
        walk(value, depth + 1);
      }
    }
  };
  walk(definition, 0);
  const flags = new Set<HiddenInstructionFlag>();
  for (const text of texts) {
    if (INVISIBLE.test(text)) flags.add('invisible-unicode');
    if (IGNORE.test(text)) flags.add('ignore-instructions');
    if (TAG.test(text)) flags.add('instruction-tag');
    if (CONCEAL.test(text)) flags.add('conceal-from-user');
  }
  return [...flags].sort();
}

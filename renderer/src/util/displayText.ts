/**
 * The core's sanitizer for text others chose (client names, hosts, URIs, a child's stderr): React escapes
 * HTML but shows bidi overrides, zero-width characters and controls as they are, so the window runs the
 * same escapes and cuts as the terminal and the tray. The one server module the window bundles: it is pure
 * and imports nothing, so nothing else of the core comes with it.
 */
export { DISPLAY_LIMITS, displayText } from '../../../server/src/util/displayText.js';

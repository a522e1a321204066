// Text that came from another machine (an AWS answer, IMDS, an error message) before it reaches a
// message: no control characters (escape sequences would drive the operator's terminal), one line,
// bounded, and nothing long and unbroken enough to be a token or a signature.
import { redact } from '../util/redact.js';

// C0 and C1 controls, DEL, and the Unicode bidirectional overrides that reorder what a terminal shows.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
// Any unbroken run this long of token alphabet with a digit or base64 punctuation in it: a session
// token, a secret key, a signature, a cut piece of one (words and XML element names stay). An excerpt
// only needs to show what answered (an HTML page, a proxy's text).
const LONG_RUN = /(?=[A-Za-z_-]*[0-9/+=])[A-Za-z0-9/+=_-]{24,}/g;
// A SigV4 Authorization header echoed back: the credential scope names the access key id.
const SIGV4 = /AWS4-HMAC-SHA256[^"'<>]*/g;

/** One line of foreign text, control characters shown as `?`, cut to `max` characters. */
export function foreignText(s: string, max = 300): string {
  const line = s.replace(CONTROL, '?').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * A short excerpt of an answer's body, for saying what answered: masked as the redaction does, then
 * anything token-shaped, before it is cut (a cut token would no longer look like one).
 */
export function excerpt(body: string, max = 80): string {
  const head = body.slice(0, 4096);
  const masked = redact(head).replace(SIGV4, '[signature]').replace(LONG_RUN, '[…]');
  return foreignText(masked, max).replace(LONG_RUN, '[…]');
}

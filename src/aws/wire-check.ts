// Pure checks of an AWS answer's bytes before the SDK's parsers see them: is it text, and is it one
// document of the service's wire format with the root the operation answers with? The SDK parses
// whatever it is given (a truncated XML page yields an answer with fields missing, an HTML page a
// SyntaxError): these say, in words, why an answer is not one. Never throws.

/** The wire format of each service's answers (AWS JSON 1.1, the EC2 query protocol, the AWS query protocol). */
export type WireFormat = 'json' | 'ec2-xml' | 'query-xml';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export type Decoded = { ok: true; text: string } | { ok: false; reason: string };

/** The body as text, or why it is not (AWS answers are UTF-8). */
export function utf8(body: Uint8Array): Decoded {
  try {
    return { ok: true, text: UTF8.decode(body) };
  } catch {
    return { ok: false, reason: 'not UTF-8 text' };
  }
}

/** A JSON object, or why the text is not one. */
export function jsonObject(
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, reason: 'JSON, but not an object' };
  return { ok: true, value: value as Record<string, unknown> };
}

const looksLikeHtml = (text: string) => /^\s*<(!doctype\s+html|html[\s>])/i.test(text);

const NAME = /[A-Za-z_][A-Za-z0-9_.:-]*/y;
const ATTRIBUTE = /\s+[A-Za-z_][A-Za-z0-9_.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*')/y;
const BAD_AMPERSAND = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/;
const MAX_DEPTH = 256;

function nameAt(text: string, at: number): string | null {
  NAME.lastIndex = at;
  return NAME.exec(text)?.[0] ?? null;
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  return i;
}

/** Where a comment, CDATA section or processing instruction at `at` ends, or -1 (unterminated). */
function skipMarkup(text: string, at: number): number | null {
  for (const [open, close] of [
    ['<!--', '-->'],
    ['<![CDATA[', ']]>'],
    ['<?', '?>'],
  ] as const) {
    if (text.startsWith(open, at)) {
      const end = text.indexOf(close, at + open.length);
      return end < 0 ? -1 : end + close.length;
    }
  }
  return null;
}

/** A start tag at `at`: its name, where it ends, whether it closes itself; null when malformed. */
function startTag(text: string, at: number): { name: string; end: number; empty: boolean } | null {
  const name = nameAt(text, at + 1);
  if (!name) return null;
  let j = at + 1 + name.length;
  for (;;) {
    ATTRIBUTE.lastIndex = j;
    const a = ATTRIBUTE.exec(text);
    if (!a) break;
    if (BAD_AMPERSAND.test(a[0])) return null;
    j += a[0].length;
  }
  j = skipSpace(text, j);
  if (text.startsWith('/>', j)) return { name, end: j + 2, empty: true };
  if (text[j] === '>') return { name, end: j + 1, empty: false };
  return null;
}

/**
 * The root element's name of a well-formed XML document, or what is wrong with it. Strict where AWS
 * answers are plain: no DOCTYPE (nor entities beyond XML's five), one root, every element closed.
 */
export function xmlRoot(text: string): { ok: true; root: string } | { ok: false; reason: string } {
  const bad = (why: string) => ({ ok: false as const, reason: `not well-formed XML: ${why}` });
  const stack: string[] = [];
  let root: string | null = null;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt < 0 ? text.length : lt);
    if (stack.length === 0 && chunk.trim() !== '') return bad('text outside the root element');
    if (BAD_AMPERSAND.test(chunk)) return bad('a bare & in text');
    if (lt < 0) break;
    const markup = skipMarkup(text, lt);
    if (markup === -1) return bad('an unterminated comment, CDATA section or declaration');
    if (markup !== null) {
      if (text.startsWith('<![CDATA[', lt) && stack.length === 0)
        return bad('CDATA outside the root element');
      i = markup;
      continue;
    }
    if (text.startsWith('<!', lt)) return bad('a DOCTYPE or other declaration');
    if (text.startsWith('</', lt)) {
      const name = nameAt(text, lt + 2);
      const end = name === null ? -1 : skipSpace(text, lt + 2 + name.length);
      if (name === null || text[end] !== '>') return bad('a malformed closing tag');
      if (stack.pop() !== name) return bad(`</${name}> closes an element that is not open`);
      i = end + 1;
      continue;
    }
    if (root !== null && stack.length === 0) return bad('a second root element');
    const tag = startTag(text, lt);
    if (!tag) return bad('a malformed tag');
    root ??= tag.name;
    if (!tag.empty) stack.push(tag.name);
    if (stack.length > MAX_DEPTH) return bad(`nested deeper than ${MAX_DEPTH}`);
    i = tag.end;
  }
  if (stack.length > 0) return bad(`<${stack.at(-1)}> is never closed (a truncated answer?)`);
  if (root === null) return bad(looksLikeHtml(text) ? 'an HTML page' : 'no element');
  return { ok: true, root };
}

const localName = (name: string) => name.slice(name.lastIndexOf(':') + 1);

/** The root element of each format's error answers. */
const ERROR_ROOT: Record<Exclude<WireFormat, 'json'>, string> = {
  'ec2-xml': 'Response',
  'query-xml': 'ErrorResponse',
};

/**
 * Why the answer to `operation` is not an answer of `format`, or null when it is one (its content is
 * the SDK's to read). An error status may come without a body: the status itself is the answer then.
 */
export function answerProblem(
  format: WireFormat,
  operation: string,
  status: number,
  body: Uint8Array,
): string | null {
  const success = status >= 200 && status < 300;
  const decoded = utf8(body);
  if (!decoded.ok) return decoded.reason;
  if (decoded.text.trim() === '') return success ? 'an empty answer' : null;
  if (looksLikeHtml(decoded.text)) return 'an HTML page, not an AWS answer';
  if (format === 'json') {
    const json = jsonObject(decoded.text);
    return json.ok ? null : json.reason;
  }
  const xml = xmlRoot(decoded.text);
  if (!xml.ok) return xml.reason;
  const expected = success ? `${operation}Response` : ERROR_ROOT[format];
  const root = localName(xml.root);
  if (root === expected) return null;
  return root.toLowerCase() === 'html'
    ? 'an HTML page, not an AWS answer'
    : `XML, but <${root}> is not a ${expected}`;
}

// The SDK version we use (@aws-sdk/client-ec2 3.332.0) predates SecurityGroupReferencingSupport in
// TransitGatewayOptions and TransitGatewayVpcAttachmentOptions and drops it. The snapshot must hold
// the API's answer as it came: this reads the field back from the raw EC2 XML (which the decoding
// layer has already checked to be one well-formed document) and puts it where the SDK would have.
// An element that is absent stays absent: the reference's validity is then unknown, never assumed.

interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(Number.parseInt(e.slice(e[1] === 'x' ? 2 : 1), e[1] === 'x' ? 16 : 10))
      : ENTITIES[e]!,
  );
const localName = (n: string) => n.slice(n.lastIndexOf(':') + 1);

/** A minimal element tree of a well-formed document: names, children and text; null when it is not one. */
export function xmlTree(text: string): XmlNode | null {
  const root: XmlNode = { name: '', children: [], text: '' };
  const stack = [root];
  const tag =
    /<(\/?)([A-Za-z_][\w.:-]*)[^>]*?(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>/g;
  let at = 0;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    const top = stack[stack.length - 1]!;
    top.text += decode(text.slice(at, m.index));
    at = tag.lastIndex;
    if (m[4] !== undefined) top.text += m[4];
    if (!m[2]) continue;
    if (m[1]) {
      if (stack.length < 2 || top.name !== localName(m[2])) return null;
      stack.pop();
      continue;
    }
    const node: XmlNode = { name: localName(m[2]), children: [], text: '' };
    top.children.push(node);
    if (!m[3]) stack.push(node);
  }
  return stack.length === 1 ? (root.children[0] ?? null) : null;
}

const child = (n: XmlNode | undefined, name: string) => n?.children.find((c) => c.name === name);

/**
 * securityGroupReferencingSupport per item id from one answer: `set` is the list element, `id` the
 * item's id element (transitGatewaySet/transitGatewayId, transitGatewayVpcAttachments/
 * transitGatewayAttachmentId).
 */
export function referencingByItem(body: string, set: string, id: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of child(xmlTree(body) ?? undefined, set)?.children ?? []) {
    if (item.name !== 'item') continue;
    const key = child(item, id)?.text.trim();
    const value = child(child(item, 'options'), 'securityGroupReferencingSupport')?.text.trim();
    if (key && value) out.set(key, value);
  }
  return out;
}

type Obj = Record<string, unknown>;

/** The SDK's output with SecurityGroupReferencingSupport put back into each item's Options. */
export function withReferencing<T extends object>(
  out: T,
  raw: Buffer | undefined,
  listField: string,
  idField: string,
  xml: { set: string; id: string },
): T {
  if (!raw) return out;
  const found = referencingByItem(raw.toString('utf8'), xml.set, xml.id);
  const list = (out as Obj)[listField];
  if (!found.size || !Array.isArray(list)) return out;
  for (const item of list as Obj[]) {
    const value = found.get(String(item[idField]));
    if (value === undefined) continue;
    const options = typeof item.Options === 'object' && item.Options !== null ? item.Options : {};
    item.Options = { ...options, SecurityGroupReferencingSupport: value };
  }
  return out;
}

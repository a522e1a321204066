// Parses an `aws ec2 ...` command the way a POSIX shell and the AWS CLI would, for the commands
// hsmwatch prints: shell words, a known subcommand, its known options and required values, and the
// CLI shorthand syntax of --ip-permissions / --port-range. Throws on anything else.

export function shellSplit(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote');
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '\\') {
      cur += line[++i] ?? '';
      inWord = true;
    } else if (c === ' ') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (/[;&|<>()$`"*?[\]{}!#~]/.test(c)) {
      throw new Error(`unquoted shell metacharacter ${c}`);
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** CLI shorthand: Key=Value,Key=[{K=V},{K=V}] → object. */
export function parseShorthand(text: string): Record<string, unknown> {
  let i = 0;
  const value = (): unknown => {
    if (text[i] === '[') {
      i++;
      const items: unknown[] = [];
      while (text[i] !== ']') {
        if (i >= text.length) throw new Error('unterminated list');
        items.push(value());
        if (text[i] === ',') i++;
      }
      i++;
      return items;
    }
    if (text[i] === '{') {
      i++;
      const o = struct('}');
      i++;
      return o;
    }
    const m = /^[^,\]}]+/.exec(text.slice(i));
    if (!m) throw new Error(`empty value at ${i}`);
    i += m[0].length;
    return m[0];
  };
  const struct = (end: string | null): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    while (i < text.length && text[i] !== end) {
      const m = /^([A-Za-z0-9]+)=/.exec(text.slice(i));
      if (!m) throw new Error(`expected Key= at ${i} in ${text}`);
      i += m[0].length;
      o[m[1]!] = value();
      if (text[i] === ',') i++;
    }
    return o;
  };
  const o = struct(null);
  if (i !== text.length) throw new Error(`trailing text in ${text}`);
  return o;
}

const COMMANDS: Record<
  string,
  { required: string[]; optional: string[]; flags?: string[]; multi?: string[] }
> = {
  'authorize-security-group-ingress': {
    required: ['--group-id'],
    optional: ['--ip-permissions', '--protocol', '--port', '--source-group', '--cidr'],
    multi: ['--ip-permissions'],
  },
  'authorize-security-group-egress': {
    required: ['--group-id', '--ip-permissions'],
    optional: [],
    multi: ['--ip-permissions'],
  },
  'create-network-acl-entry': {
    required: ['--network-acl-id', '--rule-number', '--protocol', '--rule-action'],
    optional: ['--port-range', '--cidr-block', '--ipv6-cidr-block'],
    flags: ['--egress', '--ingress'],
  },
  'create-route': {
    required: ['--route-table-id'],
    optional: ['--destination-cidr-block', '--destination-ipv6-cidr-block', '--vpc-peering-connection-id'],
  },
  'replace-route': {
    required: ['--route-table-id'],
    optional: ['--destination-cidr-block', '--destination-ipv6-cidr-block', '--vpc-peering-connection-id'],
  },
  'delete-route': {
    required: ['--route-table-id'],
    optional: ['--destination-cidr-block', '--destination-ipv6-cidr-block'],
  },
  'accept-vpc-peering-connection': { required: ['--vpc-peering-connection-id'], optional: [] },
  'create-vpc-peering-connection': { required: ['--vpc-id', '--peer-vpc-id'], optional: [] },
  'assign-ipv6-addresses': { required: ['--network-interface-id', '--ipv6-address-count'], optional: [] },
};

export interface ParsedCli {
  subcommand: string;
  options: Record<string, string[]>;
  flags: string[];
}

export function parseAwsCli(line: string): ParsedCli {
  const words = shellSplit(line);
  if (words[0] !== 'aws' || words[1] !== 'ec2') throw new Error('not an aws ec2 command');
  const subcommand = words[2] ?? '';
  const spec = COMMANDS[subcommand];
  if (!spec) throw new Error(`unknown subcommand ${subcommand}`);
  const options: Record<string, string[]> = {};
  const flags: string[] = [];
  for (let i = 3; i < words.length; i++) {
    const w = words[i]!;
    if (spec.flags?.includes(w)) {
      flags.push(w);
      continue;
    }
    if (![...spec.required, ...spec.optional, '--region'].includes(w))
      throw new Error(`unknown option ${w} for ${subcommand}`);
    const values: string[] = [];
    while (i + 1 < words.length && !words[i + 1]!.startsWith('--')) values.push(words[++i]!);
    if (values.length === 0) throw new Error(`${w} needs a value`);
    if (values.length > 1 && !spec.multi?.includes(w)) throw new Error(`${w} takes one value`);
    options[w] = values;
  }
  for (const r of spec.required) if (!options[r]) throw new Error(`${subcommand} needs ${r}`);
  if (options['--region'] && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(options['--region'][0]!))
    throw new Error(`bad region ${options['--region'][0]}`);
  if (subcommand === 'authorize-security-group-ingress') {
    // Either --ip-permissions, or the short form: --protocol tcp --port N[-M] and one peer.
    const short = ['--protocol', '--port', '--source-group', '--cidr'].filter((o) => options[o]);
    if (options['--ip-permissions'] ? short.length > 0 : short.length !== 3 || !options['--port'])
      throw new Error('--ip-permissions, or --protocol, --port and one of --source-group/--cidr');
    if (options['--port'] && !/^\d+(-\d+)?$/.test(options['--port'][0]!)) throw new Error('bad --port');
  }
  if (subcommand === 'create-network-acl-entry') {
    if (flags.length !== 1) throw new Error('one of --egress/--ingress');
    if (!options['--cidr-block'] === !options['--ipv6-cidr-block'])
      throw new Error('exactly one CIDR option');
    const n = Number(options['--rule-number']![0]);
    if (!Number.isInteger(n) || n < 1 || n > 32766) throw new Error('rule number outside 1-32766');
    if (options['--port-range']) {
      const pr = parseShorthand(options['--port-range'][0]!);
      if (!/^\d+$/.test(String(pr.From)) || !/^\d+$/.test(String(pr.To))) throw new Error('bad port range');
    }
  }
  for (const p of options['--ip-permissions'] ?? []) {
    const perm = parseShorthand(p);
    if (!perm.IpProtocol) throw new Error('IpProtocol missing');
    if (!perm.IpRanges && !perm.Ipv6Ranges && !perm.UserIdGroupPairs && !perm.PrefixListIds) {
      throw new Error('no source/destination in the permission');
    }
  }
  return { subcommand, options, flags };
}

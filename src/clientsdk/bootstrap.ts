// The configure commands the findings hand out. Client SDK 5 has one configure tool per component,
// named after its configuration file (cloudhsm-pkcs11.cfg → configure-pkcs11), and bootstrapping one
// component does not bootstrap the others; Client SDK 3 has one, `configure`, for the client daemon
// and the management utilities (user guide: "Bootstrap the Client SDK", "Client SDK 5 configure tool").
import { basename } from 'node:path';

/** The configure tool of a config file: cloudhsm-pkcs11.cfg → configure-pkcs11; SDK 3 → configure. */
export function configureTool(path: string, sdk: 3 | 5): string {
  if (sdk === 3) return '/opt/cloudhsm/bin/configure';
  const m = /^cloudhsm-([a-z0-9-]+)\.cfg$/.exec(basename(path));
  return `/opt/cloudhsm/bin/configure-${m?.[1] ?? 'cli'}`;
}

/** What is known of the cluster the file should point at. */
export interface BootstrapTarget {
  /** Set when the host's HSMs belong to exactly one cluster. */
  clusterId: string | null;
  region: string | null;
  /** An HSM ENI address of that cluster, when one is known. */
  hsmIp: string | null;
}

/**
 * The command that writes the HSM addresses into one configuration file. SDK 5: `--cluster-id`
 * (with `--region`) when the cluster is known — it reads every HSM address with DescribeClusters,
 * the user guide's recommended way — else `-a <HSM ENI IP>`. SDK 3: `configure -a <HSM ENI IP>`.
 */
export function bootstrapCommand(path: string, sdk: 3 | 5, t: BootstrapTarget): string {
  const tool = `sudo ${configureTool(path, sdk)}`;
  const byAddress = `${tool} -a ${t.hsmIp ?? '<HSM ENI IP>'}`;
  if (sdk === 3 || !t.clusterId) return byAddress;
  const byCluster = `${tool} --cluster-id ${t.clusterId}${t.region ? ` --region ${t.region}` : ''}`;
  return t.hsmIp ? `${byCluster}   # or: ${byAddress}` : byCluster;
}

/** The SDK 5 command that points one component at a client certificate chain and key. */
export function mtlsCommand(path: string, certFile: string | null, keyFile: string | null): string {
  return `sudo ${configureTool(path, 5)} --client-cert-hsm-tls-file ${certFile ?? '<client certificate chain .pem>'} --client-key-hsm-tls-file ${keyFile ?? '<client key>'}`;
}

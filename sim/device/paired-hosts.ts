/**
 * What a virtual iPhone remembers about the computers it trusts, like lockdownd's pairing records on a
 * phone: per HostID, the certificates the host sent in Pair (so the TLS session can present the
 * device certificate the host expects, and check the host's) and the escrow bag handed out.
 */
export interface PairedHost {
  readonly hostId: string;
  readonly systemBuid: string;
  readonly rootCertificatePem: Buffer;
  readonly hostCertificatePem: Buffer;
  readonly deviceCertificatePem: Buffer;
  readonly escrowBag: Buffer;
  readonly pairedAt: string;
}

export interface PairedHostJson {
  hostId: string;
  systemBuid: string;
  rootCertificatePem: string;
  hostCertificatePem: string;
  deviceCertificatePem: string;
  escrowBag: string;
  pairedAt: string;
}

export function pairedHostToJson(host: PairedHost): PairedHostJson {
  return {
    hostId: host.hostId,
    systemBuid: host.systemBuid,
    rootCertificatePem: host.rootCertificatePem.toString('utf8'),
    hostCertificatePem: host.hostCertificatePem.toString('utf8'),
    deviceCertificatePem: host.deviceCertificatePem.toString('utf8'),
    escrowBag: host.escrowBag.toString('base64'),
    pairedAt: host.pairedAt,
  };
}

export function pairedHostFromJson(json: PairedHostJson): PairedHost {
  return {
    hostId: json.hostId,
    systemBuid: json.systemBuid,
    rootCertificatePem: Buffer.from(json.rootCertificatePem, 'utf8'),
    hostCertificatePem: Buffer.from(json.hostCertificatePem, 'utf8'),
    deviceCertificatePem: Buffer.from(json.deviceCertificatePem, 'utf8'),
    escrowBag: Buffer.from(json.escrowBag, 'base64'),
    pairedAt: json.pairedAt,
  };
}

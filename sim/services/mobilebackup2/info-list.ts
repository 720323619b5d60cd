/** Info and List: what the phone tells about a backup on the host (idevicebackup2 info / list print it). */
import { loadEncryption } from './encryption.js';
import type { AgentContext, AgentResult } from './agent-context.js';
import { fetchHostBackup, isAgentResult } from './backup-source.js';
import type { HostLink } from './host-link.js';

function ownKeys(context: AgentContext): { ownClassKeys?: ReadonlyMap<number, Buffer>; ownKeybag?: Buffer } {
  const own = loadEncryption(context.phone);
  return own ? { ownClassKeys: own.classKeys, ownKeybag: own.keybag } : {};
}

export async function runInfo(link: HostLink, context: AgentContext, sourceUdid: string): Promise<AgentResult> {
  const backup = await fetchHostBackup(link, sourceUdid, ownKeys(context));
  if (isAgentResult(backup)) return backup;
  try {
    const info = backup.info ?? {};
    const text = (key: string): string => {
      const value = info[key];
      return value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : '';
    };
    const lines = [
      `Device Name: ${text('Device Name')}`,
      `Product Type: ${text('Product Type')}`,
      `Product Version: ${text('Product Version')}`,
      `Serial Number: ${text('Serial Number')}`,
      `Unique Identifier: ${text('Unique Identifier')}`,
      `Last Backup Date: ${text('Last Backup Date')}`,
      `Encrypted: ${backup.encrypted ? 'Yes' : 'No'}`,
      `Files: ${backup.db.count()}`,
    ];
    return { errorCode: 0, content: `${lines.join('\n')}\n` };
  } finally {
    backup.db.close();
  }
}

export async function runList(link: HostLink, context: AgentContext, sourceUdid: string): Promise<AgentResult> {
  const backup = await fetchHostBackup(link, sourceUdid, ownKeys(context));
  if (isAgentResult(backup)) return backup;
  try {
    const lines = ['Domain,RelativePath,FileID,Flags'];
    for (const row of backup.db.rows()) lines.push(`${row.domain},"${row.relativePath.replace(/"/g, '""')}",${row.fileId},${row.flags}`);
    return { errorCode: 0, content: `${lines.join('\n')}\n` };
  } finally {
    backup.db.close();
  }
}

import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { lockCommand } from './lock.js';
import { lockdCommand } from './lockd.js';
import { locksCommand } from './locks.js';
import { notifyCommand } from './notify.js';
import { portCommand } from './port.js';
import { portsCommand } from './ports.js';
import { rpcbindCommand } from './rpcbind.js';
import { rpcinfoCommand } from './rpcinfo.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';
import { unlockCommand } from './unlock.js';
import { xdrgenCommand } from './xdrgen.js';

/** Every subcommand, in the order `nsmd --help` lists them. Each lives in its own file. */
export const commands: Command[] = [
  serveCommand,
  notifyCommand,
  statusCommand,
  portCommand,
  portsCommand,
  rpcinfoCommand,
  rpcbindCommand,
  xdrgenCommand,
  lockdCommand,
  lockCommand,
  unlockCommand,
  locksCommand,
  demoCommand,
];

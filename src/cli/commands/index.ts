import type { Command } from '../command.js';
import { portCommand } from './port.js';
import { portsCommand } from './ports.js';
import { rpcbindCommand } from './rpcbind.js';
import { rpcinfoCommand } from './rpcinfo.js';
import { notifyCommand } from './notify.js';
import { serveCommand } from './serve.js';
import { statusCommand } from './status.js';
import { xdrgenCommand } from './xdrgen.js';
import { lockdCommand } from './lockd.js';
import { lockCommand } from './lock.js';
import { unlockCommand } from './unlock.js';
import { locksCommand } from './locks.js';

/** Every subcommand, in the order `nsmd --help` lists them. Each lives in its own file. */
export const commands: Command[] = [serveCommand, notifyCommand, statusCommand, portCommand, portsCommand, rpcinfoCommand, rpcbindCommand, xdrgenCommand, lockdCommand, lockCommand, unlockCommand, locksCommand];

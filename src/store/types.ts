/** The caller a monitor record calls back (SM_MON my_id, XNFS 3W ch. 11). */
export interface MyId {
  myName: string;
  prog: number;
  vers: number;
  proc: number;
}

/** One (mon_name, my_id) record: a host we watch for someone, with its 16 opaque bytes. */
export interface MonitorRecord extends MyId {
  /** mon_name as sent (an XDR byte string). */
  monName: string;
  /** priv, exactly 16 bytes. */
  priv: Uint8Array;
}

/** What a store holds when loaded. */
export interface StoreSnapshot {
  /** The NSM state number as last persisted (0 when there is none yet). */
  state: number;
  /** sm/: hosts monitored now. */
  monitors: MonitorRecord[];
  /** sm.bak/: hosts still to be told of our reboot. */
  notify: MonitorRecord[];
  /** The boot id recorded with the state (to tell a reboot from a daemon restart); null if none. */
  bootId: string | null;
}

/**
 * Where the monitor list, notify list and state number live. Every mutating method resolves
 * only once the change is on stable storage; concurrent calls may share one sync.
 */
export interface Store {
  load(): Promise<StoreSnapshot>;
  /** Adds or replaces the record with the same monName and MyId (priv updated). */
  addMonitor(rec: MonitorRecord): Promise<void>;
  /** Removes the record of monName and id; resolves false when there was none. */
  removeMonitor(monName: string, id: MyId): Promise<boolean>;
  /** Removes every record of id; resolves how many. */
  removeAllMonitors(id: MyId): Promise<number>;
  /** Persists the state number and the boot id it belongs to. */
  setState(state: number, bootId: string | null): Promise<void>;
  /** Moves every monitor record to the notify list (sm -> sm.bak), as after a reboot. */
  moveMonitorsToNotify(): Promise<void>;
  /** Drops a host from the notify list once it acknowledged our SM_NOTIFY. */
  removeNotify(monName: string): Promise<void>;
  close(): Promise<void>;
}

/** The caller a monitor record calls back (SM_MON my_id, XNFS 3W ch. 11). */
export interface MyId {
  /** An XDR byte string; no white space or NUL (the on-disk line format cannot hold them). */
  myName: string;
  /** XDR ints; compared and returned as signed 32-bit values. */
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
  /** The NSM state number as last persisted, a signed 32-bit value (0 when there is none yet). */
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
 * only once the change is on stable storage; concurrent calls may share one sync and are applied
 * in call order. A call that rejects (StoreError) changed nothing, except ERR_STORE_PARTIAL.
 * mon_names are refused (ERR_STORE_NAME) when empty, starting with '.', or holding '/', NUL or
 * white space; they are at most 255 bytes.
 */
export interface Store {
  /** Opens the store and reads it; later calls return what the store holds now. Call it first. */
  load(): Promise<StoreSnapshot>;
  /** Adds or replaces the record with the same monName and MyId (priv updated). */
  addMonitor(rec: MonitorRecord): Promise<void>;
  /** Removes the record of monName and id; resolves false when there was none. */
  removeMonitor(monName: string, id: MyId): Promise<boolean>;
  /** Removes every record of id; resolves how many. */
  removeAllMonitors(id: MyId): Promise<number>;
  /** Persists the state number (state first, then the boot id it belongs to). */
  setState(state: number, bootId: string | null): Promise<void>;
  /**
   * Moves every monitor record to the notify list (sm -> sm.bak), as after a reboot; a record
   * already pending for the same (monName, my_id) is replaced by the monitor's.
   */
  moveMonitorsToNotify(): Promise<void>;
  /** Drops a host (every record of monName) from the notify list once it acknowledged our SM_NOTIFY. */
  removeNotify(monName: string): Promise<void>;
  /** Waits for pending changes, then releases the store; later calls reject ERR_STORE_STATE. */
  close(): Promise<void>;
}

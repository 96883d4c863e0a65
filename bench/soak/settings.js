// Every bound of the soak in one place, each with its reason. Times in ms unless named otherwise.
export const SOAK = {
  /** Default run length (`--minutes N` overrides; `--quick` is QUICK_MINUTES). */
  defaultMinutes: 10,
  /** `--quick`: about one minute of traffic, enough for one pass over every fault (CI). */
  quickMinutes: 1,
  /** Stateful Streamable HTTP sessions (the 32), each with its own nonces and its own client handlers. */
  statefulSessions: 32,
  /** Callers on the 2026-07-28 stateless wire (raw fetch, `_meta` on every request). */
  statelessCallers: 4,
  /** Legacy HTTP+SSE clients (GET /sse + POST /messages). */
  legacySseClients: 4,
  /** Sessions bound to the per-session server: each one owns a child process. */
  perSessionClients: 4,
  /** Size of the large answers (the 1 MB). */
  blobBytes: 1024 * 1024,
  /** Pause between one caller's calls: 64 callers at this pace keep two shared cores busy, not saturated. */
  callerPauseMs: 20,
  /** `slow` calls: duration and progress steps (each step is a notifications/progress the caller must see). */
  slowMs: 300,
  slowSteps: 3,
  /** Any single call that takes longer than this has failed (the soak must never wait for ever). */
  callTimeoutMs: 30_000,
  /** Resource samples (RSS, fds, children) of `ferry serve`. */
  sampleEveryMs: 5_000,
  /** Time from one fault's start to the next one's (quick runs squeeze every fault into the minute). */
  faultSpacingMs: 30_000,
  quickFaultSpacingMs: 6_000,
  /** Before the first fault: let sessions open and the first minute's figures settle. */
  firstFaultAfterMs: 5_000,
  /** How long a paused (SIGSTOP) child stays paused; shorter than any request timeout. */
  pauseMs: 3_000,
  /** How long the secret store stays unreadable. */
  storeDownMs: 3_000,
  /** How long the data directory stays full. */
  diskFullMs: 3_000,
  /** Registrations fired in the burst: well past the registration bucket (20), so 429s must appear. */
  registrationBurst: 60,
  /** requestTimeoutSeconds of the server used for the "stops answering" fault: a call to it fails after this. */
  hangRequestTimeoutSeconds: 3,
  /** Size of the tmpfs the data directory lives on (root only): small enough to fill in a moment. */
  tmpfsBytes: 32 * 1024 * 1024,
  /** Recovery bounds per fault: a fault not recovered within its bound fails the run. */
  // Generous: the machine these run on is shared, and a restart spawns a Node child (1-2 s when loaded).
  recoveryMs: {
    'child SIGKILL': 20_000,
    'child stops answering': 30_000,
    'child SIGSTOP/SIGCONT': 15_000, // includes the pause itself
    'tunnel process killed': 30_000,
    'registration burst': 15_000, // the bucket refills one registration every 3 s
    'client revoked mid-call': 20_000,
    'secret store unavailable': 20_000,
    'disk full': 20_000,
  },
  /** Ferry's start (OAuth key, children, tunnel URL) must finish within this. */
  startTimeoutMs: 60_000,
  /** SIGTERM to Ferry, then this long for it to exit and take its children with it, before counting leftovers. */
  stopGraceMs: 10_000,
  /** Longest the memory probe (a forced GC inside Ferry) may take to answer. */
  probeTimeoutMs: 15_000,
  /** Memory must grow less than this from minute 2 to the end (runs of at least `memoryMinMinutes`). */
  maxMemoryGrowth: 0.1,
  memoryMinMinutes: 3,
  /** The whole run is abandoned (everything stopped, run failed) this long after its planned end. */
  overrunMs: 5 * 60_000,
  /** The same for `--quick`: one minute plus this stays inside CI's `timeout 300`. */
  quickOverrunMs: 3 * 60_000,
};
